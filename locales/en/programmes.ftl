## Mentoring programmes: forms, role models, the curator's menu, a participant's /programmes

## Forms of mentoring (codes: domain/data/forms.json)

form-student_student = Student — student
form-teacher_teacher = Teacher — teacher
form-teacher_student = Teacher (lecturer) — student (school or college)
form-college_school = College student — school student
form-employer_student = Employer — school student
form-employer_collegian = Employer — college student

## Role models

role-model-achiever_underachiever = High achiever — underachiever
role-model-leader_passive = Leader — passive
role-model-peer_to_peer = Peer to peer
role-model-adapted_unadapted = Adapted — not yet adapted
role-model-experienced_young = Experienced teacher — young specialist
role-model-classroom_teacher_young = Experienced form teacher — young specialist
role-model-innovator_conservative = Innovative teacher — conservative teacher
role-model-teacher_underachiever = Teacher — underachieving student
role-model-teacher_gifted = Teacher — gifted student
role-model-teacher_adaptation = Teacher — student who needs help settling in
role-model-successful_undecided = Successful college student — student undecided about a career
role-model-project_partner = Project partners
role-model-role_model_student = College student — role model for a school student
role-model-professional_consumer = Active professional — indifferent consumer
role-model-colleague_future_colleague = Colleague — future colleague
role-model-innovator_practitioner = Innovator — practitioner

## Common

cmd-programmes = My mentoring programmes
prog-btn-programmes = 📘 Mentoring programmes
prog-stale = This button is out of date: use the buttons of the latest message.
prog-bad-button = This button does not work. Use the buttons of the latest message.
prog-use-buttons = Please answer with the buttons under the question. Here it is again:
prog-text-expected = Send your answer as text, or cancel: /cancel.
prog-side-mentor = Mentors
prog-side-mentee = Mentees
prog-side-one-mentor = mentor
prog-side-one-mentee = mentee
prog-interval-7 = once a week
prog-interval-14 = every two weeks
prog-interval-30 = once a month
prog-mode-one = one to one (a mentor and a mentee)
prog-mode-group = in groups (a mentor with several mentees)
prog-status-finished = The programme has finished.

## Input errors and refusals (codes: domain.programmes.INVALID_CODES)

prog-invalid-form = There is no such form of mentoring. Choose a form with a button.
prog-invalid-form-needs-org = This form of mentoring runs inside one organisation: create the programme in the organisation itself.
prog-invalid-role-models-empty = Choose at least one role model.
prog-invalid-role-model = This role model does not belong to the chosen form.
prog-invalid-title-short = The title is too short: at least { $min } characters. Send the title again.
prog-invalid-title-long = The title is longer than { $max } characters. Send a shorter one.
prog-invalid-date-format = I can't read this date. Send it as DD.MM.YYYY, for example 01.09.2027, or as a word: today, tomorrow.
prog-invalid-start-past = This start date is too early: a date since the current school year began or within the last { $days ->
        [one] day
       *[other] { $days } days
    } is accepted. Send a date no earlier than { $earliest }.
prog-invalid-end-before-start = The end date must be after the start date. Send another date.
prog-invalid-end-past = This end date has already passed. Send today's date or a later one.
prog-invalid-period-long = A programme cannot last more than { $years ->
    [one] { $years } year
   *[other] { $years } years
}. Check the date.
prog-invalid-interval = Choose how often pairs meet with a button.
prog-invalid-finished = The programme has already finished. Nothing was changed.
prog-invalid-erased = This participant's data has been erased. Nothing was changed.
prog-invalid-outside = This participant is not from the programme's organisations. Nothing was changed.
prog-invalid-category = The participant's category does not fit this side of the programme's form. Nothing was changed.
prog-invalid-mentor-age = A school-student mentor must be 15–18 years old. Nothing was changed.
prog-invalid-other-side = This participant is already in the programme on the other side. Nothing was changed.
prog-invalid-side = The programme has no such side.
prog-invalid-not-member = You are not a member of this programme, or you have left it. Your programmes: /programmes.
prog-invalid-too-many = You can name at most { $max } people.
prog-invalid-duplicate = The same person is chosen twice.
prog-invalid-target = Someone you chose can no longer be named: they have left the programme. Please choose again.
prog-invalid-invite = This programme link no longer works. Ask your curator for a new one.

## A unit's programmes

prog-list-title = Mentoring programmes: { $name }
prog-list-empty = No programmes yet. Create the first one.
prog-list-found = { $n ->
    [one] { $n } programme:
   *[other] { $n } programmes:
}
prog-list-item = { $title } · { $form }
prog-list-item-unit = { $title } · { $unit }
prog-btn-new = ➕ New programme

## Creating a programme

prog-new-ask-form = New programme ({ $unit }). Choose the form of mentoring:
prog-new-ask-form-wide = New programme ({ $unit }). A municipal or regional programme brings together participants of different organisations, so only such forms are offered here. Choose the form of mentoring:
prog-new-ask-role-models = Form: { $form }. Choose one or more role models and press "Done".
prog-btn-done = Done ({ $n })
prog-new-ask-title = Enter the programme's title ({ $min } to { $max } characters).
prog-new-ask-start = The programme's start date as DD.MM.YYYY, for example { $example }.
prog-new-ask-end = The programme's end date as DD.MM.YYYY, for example { $example }.
prog-new-ask-interval = How often should pairs meet?
prog-new-ask-mode = How will mentors work?
prog-btn-mode-one = One to one
prog-btn-mode-group = In groups
prog-new-summary = Check and create the programme:
prog-btn-create = ✅ Create the programme
prog-created = The programme has been created.
prog-new-cancelled = Creating the programme was cancelled.

## A programme (curator)

prog-view-title = 📘 { $title }
prog-field-unit = Run by — { $unit }
prog-field-form = Form: { $form }
prog-field-role-models = Role models: { $models }
prog-field-dates = Dates: { $start } — { $end }
prog-field-interval = Meetings: { $interval }
prog-field-mode = Work: { $mode }
prog-counts = Mentors: { $mentors }, mentees: { $mentees }
prog-counts-awaiting = Without confirmed parental consent — mentors: { $mentors }, mentees: { $mentees }. They join pairs only once it is confirmed.
prog-warn-no-mentors = ⚠ The programme has no mentors, so no pairs can be formed. Add them from the base or send the programme link.
prog-warn-no-mentees = ⚠ The programme has no mentees, so no pairs can be formed. Add them from the base or send the programme link.
prog-prefs-short = Named whom they would like to work with: { $n } of { $total }
prog-btn-members = 👥 Members ({ $n })
prog-btn-add = ➕ Add from the base
prog-btn-link = 🔗 Programme link
prog-btn-prefs = ⭐ Wishes ({ $n })
prog-btn-pairs = 🤝 Pairs and proposals
prog-btn-back-list = ⬅ Programmes

## Members of a programme

prog-members-title = "{ $title }": members
prog-members-showing = Showing: { $side }
prog-members-found = { $n ->
    [one] { $n } person.
   *[other] { $n } people.
}
prog-members-empty-mentor = The programme has no mentors.
prog-members-empty-mentee = The programme has no mentees.
prog-member-line = { $n }. { $name } — { $details }
prog-member-line-awaiting = { $n }. { $name } — { $details } ⏳ awaiting parental consent
prog-btn-remove = ✖ { $n }
prog-remove-ask = Remove { $name } from the programme "{ $title }"? Their wishes, and wishes naming them, will no longer count.
prog-btn-remove-yes = ✖ Yes, remove
prog-removed = { $name } has been removed from the programme.
prog-remove-already = { $name } is no longer in the programme. Nothing was changed.

## Adding from the base

prog-base-title = "{ $title }": who can be added — { $side }
prog-base-found = { $n ->
    [one] { $n } person fits. Tap a name to add them.
   *[other] { $n } people fit. Tap a name to add them.
}
prog-base-empty = Nobody who fits is left to add. On this side the form allows: { $categories }. Invite them with the organisation's link.
prog-base-awaiting-hint = ⏳ — awaiting parental consent: can be added, but joins pairs only once the consent is confirmed.
prog-btn-add-one = ➕ { $n }. { $name }
prog-added = Added: { $name } ({ $side }).
prog-add-already = { $name } is already in the programme. Nothing was changed.

## The programme link

prog-link-title = Link to the programme "{ $title }"
prog-link-explain = Participants already registered ({ $unit }) join through it: mentors as mentors, mentees as mentees, if their category fits the programme's form.
prog-link-none = There is no active link.
prog-link-line = { $n }. { $until }, { $uses }
prog-btn-link-new = ➕ Create a link
prog-btn-link-revoke = ✖ Revoke { $n }
prog-link-created = The link has been created.
prog-link-revoke-ask = Revoke the link to the programme "{ $title }"? Those who have joined stay in the programme.
prog-link-revoked = The link has been revoked.
prog-link-revoke-already = This link has already been revoked. Nothing was changed.

## Participants' wishes (curator)

prog-prefs-title = "{ $title }": participants' wishes
prog-prefs-counts = Named whom they would like to work with: mentees — { $mentees } of { $mentees_total }, mentors — { $mentors } of { $mentors_total }.
prog-prefs-hint = After the joint meeting participants name up to three people they would like to work with, in order of preference (the /programmes command).
prog-prefs-none = Nobody has named anyone yet.
prog-prefs-line = { $n }. { $name } ({ $side }) → { $choices }

## A participant's /programmes

prog-my-not-participant = You are not registered as a participant yet. Open the invitation link your organisation's curator sent you.
prog-my-none = You are not in any mentoring programme yet. Your curator will add you or send you a programme link.
prog-my-title = Your mentoring programmes. Choose one:
prog-card-side = You take part as: { $side }
prog-card-awaiting = Your curator has not confirmed your parents' consent yet: you will be put in a pair once it is confirmed.
prog-card-choices = Whom you would like to work with (in order):
prog-card-no-choices = You have not named anyone yet. After the joint meeting of the programme, name up to three people you would like to work with.
prog-choice-line = { $rank }. { $name }
prog-btn-choose = ⭐ Name whom I'd like to work with
prog-btn-my-list = ⬅ My programmes
prog-btn-open = 📘 { $title }

prog-pick-title-mentor = Choose up to { $max } mentors you would like to work with, in order: the first is the one you want most. Tap a chosen one again to remove them.
prog-pick-title-mentee = Choose up to { $max } mentees you would like to work with, in order: the first is the one you want most. Tap a chosen one again to remove them.
prog-pick-empty-mentor = The programme has no mentors you could name yet. Come back later.
prog-pick-empty-mentee = The programme has no mentees you could name yet. Come back later.
prog-pick-selected = Chosen: { $n } of { $max }.
prog-pick-line = { $n }. { $name } — { $details }
prog-pick-shared = shared interests: { $list }
prog-pick-no-shared = no shared interests
prog-pick-format = format: { $format }
prog-btn-pick = { $n }. { $name }
prog-btn-picked = ✅{ $rank } { $name }
prog-btn-review = Next: review ({ $n } of { $max })
prog-btn-clear = Clear the choice
prog-btn-back = ⬅ Back
prog-pick-full = You can choose at most { $max }. Remove someone by tapping them again.
prog-review-title = Your choice, in order:
prog-review-empty = You have chosen nobody. Saving means withdrawing your wishes.
prog-btn-save = ✅ Save
prog-btn-change = ✏️ Change
prog-saved = Saved. Your curator will take your wishes into account when forming pairs.

## Joining through a programme link

prog-join-not-registered = To join a programme, first register with your organisation's invitation link (your curator sends it). Then open this link again.
prog-join-done = You have joined the programme "{ $title }" as a { $side }. Your programmes: /programmes.
prog-join-done-awaiting = Your curator has not confirmed your parents' consent yet: you will be put in a pair once it is confirmed.
prog-join-already = You are already a member of the programme "{ $title }". Your programmes: /programmes.
prog-join-category = In the programme "{ $title }" (form "{ $form }") your category is not foreseen on the { $side } side. If this is a mistake, contact your curator.
prog-join-mentor-age = In the programme "{ $title }" a school-student mentor must be 15–18 years old. If this is a mistake, contact your curator.
prog-join-outside = The programme "{ $title }" is for participants of other organisations. If this is a mistake, contact your curator.
prog-join-finished = The programme "{ $title }" has already finished.
prog-join-other-side = You are already a member of the programme "{ $title }". Your programmes: /programmes.
prog-join-erased = Your data has been erased, so you cannot join a programme.
prog-join-invite = This programme link no longer works. Ask your curator for a new one.
