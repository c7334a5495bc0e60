## Surveys (domain/surveys.py, domain/data/surveys/*.json)

sv-title-meeting = Feedback on the meeting
sv-title-start = Before the programme: your expectations
sv-title-end = The programme is ending: your feedback

sv-q-meeting-useful = How useful was this meeting for you?
sv-q-meeting-useful-mentor = How useful do you think the meeting was for your mentee?
sv-q-comfort-mentee = How comfortable do you feel talking with your mentor?
sv-q-comfort-mentor = How comfortable do you feel talking with your mentee(s)?
sv-q-clarity = How clear are your tasks and next steps?
sv-q-clarity-mentor = How clear were the programme's aims and your role as a mentor?
sv-q-engagement = How engaged was your mentee in the meeting?
sv-q-next-planned = Have you agreed on the next meeting?
sv-q-comment = Anything you would like to add? (optional)
sv-q-expectations-mentee = What do you expect from mentoring? Choose up to three.
sv-q-expectations-mentor = What do you expect from being a mentor? Choose up to three.
sv-q-motivation-mentee = How motivated are you now to learn and grow?
sv-q-motivation-mentor = How motivated are you to be a mentor?
sv-q-confidence = How confident are you that you will reach your goals?
sv-q-readiness = How ready do you feel for the role of a mentor?
sv-q-frequency-wish = How often would you like to meet?
sv-q-worries = Is anything worrying you? (optional)
sv-q-support-needed = What help do you need from the curator? (optional)
sv-q-satisfaction = Overall, how satisfied are you with taking part in the programme?
sv-q-expectations-met = How far did the programme meet your expectations?
sv-q-useful = How useful were the meetings with your mentor?
sv-q-useful-mentor = How useful do you think the meetings were for your mentee?
sv-q-support-mentee = How supported did you feel by your mentor?
sv-q-support-mentor = How supported did you feel by the curator?
sv-q-growth = How much have you grown during the programme (knowledge, skills, confidence)?
sv-q-growth-mentor = How much have you grown as a mentor?
sv-q-adaptation = How well have you settled in at school and in the profession?
sv-q-frequency-actual = How often did you actually meet?
sv-q-frequency-fit = Was that the right amount?
sv-q-continue-mentee = Would you like to continue working with your mentor?
sv-q-continue-mentor = Would you like to be a mentor again?
sv-q-become-mentor = Would you like to become a mentor yourself?
sv-q-become-mentor-teacher = Would you like to mentor a young teacher yourself one day?
sv-q-best = What was the most valuable? (optional)
sv-q-improve = What should be improved? (optional)

sv-opt-exp-studies = Help with studies
sv-opt-exp-exams = Preparing for exams and competitions
sv-opt-exp-career = Choosing a career
sv-opt-exp-project = Working on a project
sv-opt-exp-confidence = Self-confidence
sv-opt-exp-adaptation = Settling in a new place
sv-opt-exp-interests = New interests
sv-opt-exp-other = Something else
sv-opt-mexp-share = Sharing my experience
sv-opt-mexp-skills = Developing my own skills
sv-opt-mexp-help = Helping someone grow
sv-opt-mexp-recognition = Recognition and professional growth
sv-opt-mexp-network = New contacts
sv-opt-mexp-other = Something else
sv-opt-freq-weekly = Once a week
sv-opt-freq-biweekly = Every two weeks
sv-opt-freq-monthly = Once a month
sv-opt-freq-rarely = Less often
sv-opt-ffit-rare = Too rarely
sv-opt-ffit-right = Just right
sv-opt-ffit-often = Too often

sv-invite-meeting = { $who } logged your meeting on { $date }. Please rate it: it takes a minute.
sv-invite-start = The programme “{ $programme }” is starting. Tell us what you expect from it: it takes a couple of minutes.
sv-invite-end = Thank you for taking part in “{ $programme }”! Please answer a few final questions.
sv-btn-start = Answer the questions

sv-scale-hint = 1 — not at all, 10 — completely
sv-progress = Question { $n } of { $total }
sv-yes = Yes
sv-no = No
sv-skip = Skip
sv-done = Done
sv-text-hint = Type your answer (up to { $max } characters).
sv-thanks = Thank you! Your answers are saved.
sv-resume = Let's continue where you stopped.

sv-invalid-scale-format = Please send a number from { $min } to { $max }, or press a button.
sv-invalid-scale-range = The number must be from { $min } to { $max }.
sv-invalid-option-unknown = There is no such option. Please choose one of the buttons.
sv-invalid-choice-empty = Choose at least one option.
sv-invalid-choice-too-many = You can choose at most { $max }.
sv-invalid-yesno = Please answer Yes or No with a button.
sv-invalid-text-empty = The answer is empty. Type some text or skip the question.
sv-invalid-text-too-long = Too long: at most { $max } characters.
sv-invalid-required = This question cannot be skipped.
sv-invalid-stale = This button belongs to an earlier question. Please answer the current one.
sv-invalid-closed = This survey is closed.
sv-invalid-done = You have already answered this survey. Thank you!
sv-invalid-not-open = This survey is not open.
sv-invalid-not-yours = This survey is not for you.
sv-invalid-consent = Surveys become available once your curator confirms a parent's or guardian's consent.
sv-invalid-unknown = Survey not found.
sv-invalid-occasion = Survey not found.

## The survey screens (handlers/meetings.py)

sv-multi-hint = Choose up to { $max } { $max ->
        [one] option
       *[other] options
    } and press Done.
sv-use-buttons = Please answer with a button under the question.
sv-send-text = Please answer with a text message, or skip the question.
