## Check-ins, meetings, fit question, goals, risk alerts (domain/checkins.py)

checkin-ask = How is mentoring going? Have you met since { $since }?
    With: { $partners }{ $count ->
        [1] {""}
       *[other] {""} (if you met any of them, press Yes and then choose whom)
    }
checkin-btn-yes = Yes, we met
checkin-btn-no = No
checkin-btn-later = Remind me later

risk-no-meeting = ⚠️ “{ $programme }”: the pair { $mentor } — { $mentees } has not met for { $days } { $days ->
        [one] day
       *[other] days
    }.
risk-low-rating = ⚠️ “{ $programme }”: the latest survey of the pair { $mentor } — { $mentees } has a rating of { $score } out of 10.
risk-fit-declined = ⚠️ “{ $programme }”: { $who } feels the pair { $mentor } — { $mentees } is not a good match. Reason: { $reason }. Consider re-matching.
risk-unreachable = ⚠️ “{ $programme }”: { $who } blocked the bot, so the pair { $mentor } — { $mentees } misses messages.
risk-btn-open = Open the pair
risk-btn-rematch = Suggest a re-match
risk-low-rating-person = ⚠️ “{ $programme }”: { $who } gave a rating of { $score } out of 10 in the { $survey ->
        [start] start-of-programme
       *[end] end-of-programme
    } survey. Their pairs: { $pairs }.
risk-btn-open-with = Open the pair: { $partners }

meet-invalid-date-format = I can't read this date. Send it as DD.MM.YYYY, for example 05.10.2026, or as a word: today, yesterday, the day before yesterday.
meet-invalid-date-future = The meeting date cannot be in the future.
meet-invalid-date-before-pair = The pair started on { $start }: the meeting cannot be earlier.
meet-invalid-format = Choose the format with a button: in person or online.
meet-invalid-minutes = Give the duration in minutes: a number from 1 to { $max }.
meet-invalid-topic-too-long = The topic is too long: at most { $max } characters.
meet-invalid-not-in-pair = You are not in this pair.
meet-invalid-pair-not-active = This pair is no longer active.
meet-invalid-checkin-unknown = This question was not found.
meet-invalid-checkin-expired = This question has expired: we will ask again next time.
meet-invalid-checkin-answered = You have already answered this question.
meet-invalid-answer = I don't understand. Please press one of the buttons.
meet-invalid-snooze-limit = You can postpone at most { $max } times. Please answer Yes or No.
meet-invalid-pairs-ended = Your pair has already finished.
meet-invalid-fit-too-early = Log your first meeting first.
meet-invalid-fit-answered = You have already answered this question.
meet-invalid-reason-too-long = Too long: at most { $max } characters.
meet-invalid-not-mentee = Goals are set by the mentee.
meet-invalid-goal-empty = Please type the goal.
meet-invalid-goal-too-long = The goal is too long: at most { $max } characters.
meet-invalid-goals-too-many = You can have at most { $max } open goals. Mark some as done first.
meet-invalid-goal-unknown = Goal not found.
meet-invalid-progress = Progress is a number from 0 to 100.

## The participants' screens (handlers/meetings.py): check-in answers, the meeting log, the fit question

meet-checkin-no = Thank you for answering! When you meet, log the meeting with /meetings. Your goals and progress: /goals.
meet-checkin-later = All right, I will ask again tomorrow. You can log a meeting any time: /meetings.
meet-pick-pair = Whom did you meet? Choose. If you had several meetings, log each one: these buttons stay.
meet-pick-pair-in = { $partners } (“{ $programme }”)
meet-ask-date = Let's log a meeting with { $partners }. When was it?
meet-ask-date-text = Type the date of the meeting as DD.MM.YYYY, for example 05.10.2026.
meet-btn-today = Today
meet-btn-yesterday = Yesterday
meet-btn-other-date = Another date
meet-ask-format = Was the meeting in person or online?
meet-format-offline = In person
meet-format-online = Online
meet-ask-minutes = About how long did it take? Press a button or type the minutes (up to { $max }).
meet-minutes = { $n } min
meet-ask-topic = What did you talk about? Type the topic in one message (up to { $max } characters) or press “No topic”.
meet-btn-no-topic = No topic
meet-use-buttons = Please answer with a button under the question.
meet-send-text = Please answer with a text message.
meet-stale = This button is out of date: please answer the latest question.
meet-bad-button = This button does not work. Open the menu again: /meetings.
meet-logged = ✅ The meeting is logged.
    Date: { $date }
    Format: { $format }
    Duration: { $minutes } min
    Topic: { $topic }
meet-logged-already = The meeting on { $date } is already logged. Thank you!
meet-goals-hint-mentee = Your goals and progress: /goals.
meet-goals-hint-mentor = Your mentees' goals and progress: /goals.

meet-fit-ask = After your first meeting: is this a good match? With: { $partners }
meet-fit-btn-yes = Yes, all good
meet-fit-btn-no = No, it isn't
meet-fit-btn-no-reason = Without explaining
meet-fit-ask-reason = Sorry to hear that! Tell us briefly what is wrong (up to { $max } characters): only the curator will see it. Or press “Without explaining”.
meet-fit-thanks-yes = Great, thank you! Enjoy your meetings.
meet-fit-thanks-no = Thank you for being honest. The curator has your answer and will suggest what to do next.

meet-list-title = 📅 Your meetings
meet-no-pairs = You have no working pairs yet. Once the curator forms a pair and both of you agree, your meetings will show here.
meet-list-pair = 👥 { $partners } — a pair since { $start }, { $count ->
        [0] no meetings yet
        [one] { $count } meeting
       *[other] { $count } meetings
    }
meet-list-meeting = • { $date }: { $format }, { $minutes } min
meet-list-hint-mentee = Your goals and progress: /goals.
meet-list-hint-mentor = Your mentees' goals: /goals.
meet-btn-log = 📝 Log a meeting: { $partners }
meet-btn-survey = ⭐ Rate the meeting on { $date }
meet-btn-fit = Is this a good match: { $partners }?

## Goals (handlers/meetings.py, /goals)

goal-title = 🎯 Goals
goal-no-pairs = Goals are set in a working pair. Once your pair starts, you can record goals here and mark your progress.
goal-pair-mentee = Mentor: { $partners }
goal-pair-mentor = Mentees: { $partners }
goal-none-mentee = No goals yet. Write down what you want to achieve: it helps your mentor help you.
goal-none-mentor = Your mentees have not recorded goals yet.
goal-line = { $mark } { $n }. { $text } — { $progress }%
goal-line-of = { $mark } { $n }. { $name }: { $text } — { $progress }%
goal-btn-open = ✏️ { $n }. { $text }
goal-btn-add = ➕ Add a goal
goal-btn-add-with = ➕ Add a goal ({ $partners })
goal-ask-text = Type the goal in one message (up to { $max } characters), for example: “Get ready for the maths olympiad”.
goal-added = The goal is recorded. Mark your progress on it as things work out.
goal-card = 🎯 { $text }
    Progress: { $progress }%
goal-history = Progress marks:
goal-history-line = • { $date }: { $progress }%
goal-percent = { $n }%
goal-btn-done = ✅ Goal achieved (100%)
goal-btn-back = ← Back to goals
goal-saved = Progress saved: { $progress }%.
goal-achieved = 🎉 Goal achieved! Congratulations.
