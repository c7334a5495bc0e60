## Registration of a participant from an invitation link, and a curator's acceptance.

reg-welcome = Hello! You have been invited to the mentoring programme of “{ $org }”. Registration takes a few minutes; leave at any time with /cancel.
reg-welcome-generic = Hello! You have been invited to a mentoring programme. Registration takes a few minutes; leave at any time with /cancel.
reg-ask-language = Choose your language:

reg-consent-text =
    Consent to the processing of personal data (version { $version })

    I consent to the educational organisation that invited me to the mentoring programme processing my personal data: full name, year of birth, category (grade, course or employer), interests, goals and wishes for mentoring, convenient times and format of meetings, Telegram identifier.

    The purpose is taking part in a mentoring programme under the target model of mentoring (order R-145 of the Russian Ministry of Education): matching mentors and mentees, organising meetings, collecting feedback and monitoring the programme.

    My data is seen by the curator of my organisation and by the municipal and regional curators. Reports contain anonymous numbers only.

    This consent is valid until I withdraw it. I can withdraw it and have my data erased at any time with /deleteme.

    If you are under 18, a parent or legal guardian gives consent to the processing of your data; your curator will confirm it, and until then your registration awaits that confirmation.
reg-btn-agree = I agree
reg-btn-decline = I do not agree
reg-declined = All right, registration stopped. I have stored nothing. If you change your mind, open the invitation link again.

reg-ask-role = What will you be in the programme?
reg-ask-category = { $role ->
    [mentor] Who are you as a mentor?
   *[other] Who are you?
}
reg-ask-grade = Which grade are you in?
reg-ask-course = Which year of college are you in?
reg-ask-company = Type the name of the employer you represent.
reg-ask-birth-year = Type your year of birth in four digits, for example { $example }.
reg-ask-full-name = Type your full name, for example: Maria Ivanova.
reg-ask-interests = What are you interested in? Tick interests and school subjects (📚) — as many as you like — and press “Done”.
reg-ask-tags = Add your own tags separated by commas (for example: chess, 3D printing) or press “No tags”.
reg-ask-goals = What do you want to achieve with a mentor? Tick one or more goals and press “Done”.
reg-ask-goals-text = Describe your request to a mentor in your own words (up to 1000 characters) or press “Skip”.
reg-ask-strengths = What can you help mentees with? Tick one or more areas and press “Done”.
reg-ask-capacity = How many mentees can you take?
reg-ask-days = On which days can you meet? Tick the days and press “Done”.
reg-ask-times = At what time of day? Tick and press “Done”.
reg-ask-format = Which format of meetings suits you?
reg-ask-full-name-curator = Type your full name, for example: Maria Ivanova.

reg-btn-skip-tags = No tags
reg-btn-skip-goals-text = Skip
reg-btn-prev = ◀️ Back
reg-btn-next = Next ▶️
reg-page = { $page } of { $pages }
reg-btn-done = Done ({ $count } selected)
reg-btn-confirm = ✅ All correct, register

reg-none = —
reg-capacity-value = up to { $count } { $count ->
    [one] mentee
   *[other] mentees
}
reg-current = Now: { $value }

reg-field-role = Role
reg-field-category = Category
reg-field-birth-year = Year of birth
reg-field-full-name = Full name
reg-field-interests = Interests and subjects
reg-field-tags = Tags
reg-field-goals = Goals
reg-field-goals-text = Request
reg-field-strengths = Can help with
reg-field-capacity = Number of mentees
reg-field-days = Days
reg-field-times = Time
reg-field-format = Format
reg-field-availability = Days and time

reg-summary-title = Please check your answers:
reg-summary-hint = If everything is correct, press “All correct”. To change an answer, press its button.

reg-stale-button = This button is out of date: please use the buttons of the latest message.
reg-bad-button = This button does not work. Please use the buttons of the latest message.
reg-use-buttons = Please answer with the buttons under the question. Here it is again:
reg-send-text = Please answer with a text message.
reg-choose-at-least-one = Tick at least one option.

reg-invalid-name-empty = Please type your name.
reg-invalid-name-too-long = That is too long: at most { $max } { $max ->
    [one] character
   *[other] characters
}. Please try again.
reg-invalid-name-digits = A name has no digits. Please type your name in letters.
reg-invalid-name-format = That does not look like a name. Please type your first and last name in letters, for example: Maria Ivanova.
reg-invalid-birth-year-format = Please type your year of birth in four digits, for example 2010.
reg-invalid-birth-year-range = The year of birth must be between { $min } and { $max }. Please check and type it again.
reg-invalid-company-empty = Please type the name of the organisation.
reg-invalid-company-too-long = That name is too long: at most { $max } { $max ->
    [one] character
   *[other] characters
}.
reg-invalid-tag-too-long = A tag is too long: at most { $max } { $max ->
    [one] character
   *[other] characters
} each.
reg-invalid-tags-too-many = Too many tags: at most { $max } { $max ->
    [one] tag
   *[other] tags
}.
reg-invalid-text-empty = Please type some text or press “Skip”.
reg-invalid-text-too-long = That text is too long: at most { $max } { $max ->
    [one] character
   *[other] characters
}. Please shorten it.
reg-invalid-category = That category does not fit the chosen role. Please choose the category again.
reg-invalid-grade = Please choose your grade.
reg-invalid-course = Please choose your year of college.
reg-invalid-capacity = Please choose how many mentees you can take.
reg-invalid-format = Please choose a format of meetings.
reg-invalid-availability = Please choose days and times for meetings.
reg-invalid-role = The role cannot be changed.
reg-invalid-button = This button does not work.

reg-invite-gone = This invitation is no longer valid (expired, revoked or used up). I have stored nothing. Please ask your curator for a new link.

reg-done = { $role ->
    [mentor] Done! You are registered as a mentor.
   *[other] Done! You are registered as a mentee.
}
reg-done-minor = You are under 18, so a parent's or legal guardian's consent is needed. The curator of your organisation will confirm it; until then your registration awaits confirmation, and you can still view and edit your profile.
reg-done-hints = Your profile: /profile. What I can do: /help.

reg-curator-welcome = Hello! You have been invited to become a curator of mentoring programmes: “{ $unit }”.
reg-curator-done = Done! You are now a curator: “{ $unit }”. Your menu: /curator. Help: /help.
reg-cocurator-welcome = Hello! You have been invited to become a co-curator of mentoring programmes, running them together with the current curator: “{ $unit }”.
reg-cocurator-done = Done! You are now a co-curator: “{ $unit }”, with the same rights as its other curators. Your menu: /curator. Help: /help.

reg-consent-text-curator =
    Consent of a curator to the processing of personal data (version { $version })

    I consent to the education authority or educational organisation that appointed me as a curator of mentoring programmes processing my personal data: my full name and my Telegram identifier.

    The purpose is running mentoring programmes under the target model of mentoring (order No. R-145 of the Russian Ministry of Education): keeping the base of mentors and mentees, forming pairs, monitoring and reporting. My name is seen by the participants of my programmes and by curators above me.

    The consent is valid until withdrawn. I can withdraw it and have my data erased at any time with /deleteme.
