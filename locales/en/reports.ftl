# Reports as XLSX files (handlers/reports.py, bot/exports.py, domain/reports.py)

## the reports menu
rep-menu-title = 📄 Reports: { $unit }
rep-menu-hint = Choose a report: the XLSX file will arrive here as a separate message. A report covers only your own area. Every export is logged.
rep-btn-participants = 👥 Personalised records of participants
rep-btn-pairs = 🤝 Pairs and groups
rep-btn-meetings = 📅 Meetings
rep-btn-surveys = 📊 Monitoring: surveys
rep-btn-stat-form = 🧾 Statistical form for { $year }
rep-btn-log = 🗂 My exports
rep-btn-back = ⬅ { $name }
rep-btn-back-menu = ⬅ Back to reports

rep-kind-participants = Personalised records of participants
rep-kind-pairs = Pairs and groups
rep-kind-meetings = Meetings
rep-kind-surveys = Monitoring: surveys
rep-kind-stat_form = Statistical form

rep-started = Preparing the report "{ $report }". The file will arrive here when it is ready; you can keep using the bot meanwhile.
rep-busy = A report is already being prepared. Wait for the file, then you can ask for the next one.
rep-progress = ⏳ Preparing the report… Rows: { $rows }
rep-progress-done = ✅ The report is ready. Rows: { $rows }
rep-caption = { $kind ->
    [participants] Personalised records of participants
    [pairs] Pairs and groups
    [meetings] Meetings
    [surveys] Monitoring: surveys
    [stat_form] Statistical form
   *[other] Report
  } — { $unit }. Rows: { $rows }
rep-failed = The report could not be prepared. Please try again a little later; if it fails again, tell the administrator.
rep-interrupted = Preparing the report "{ $kind ->
    [participants] Personalised records of participants
    [pairs] Pairs and groups
    [meetings] Meetings
    [surveys] Monitoring: surveys
    [stat_form] Statistical form
   *[other] Report
  }" was interrupted: the bot restarted. Please ask for it again in the Reports menu.

## the export log
rep-log-title = 🗂 Your exports
rep-log-empty = You have not exported any reports yet.
rep-log-line = { $n }. { $report } — { $unit } — { $when } — { $status }
rep-log-status-running = in progress
rep-log-status-done = done, rows: { $rows }
rep-log-status-failed = failed
rep-log-status-interrupted = interrupted
rep-log-unit-hidden = —

## sheets
rep-sheet-participants = Participants
rep-sheet-pairs = Pairs and groups
rep-sheet-meetings = Meetings
rep-sheet-surveys-stage1 = Monitoring, stage 1
rep-sheet-surveys-stage2 = Monitoring, stage 2
rep-sheet-stat-form = Statistical form

## columns
rep-col-municipality = Municipality
rep-col-organisation = Organisation
rep-col-name = Full name
rep-col-role = Role
rep-col-category = Category
rep-col-grade = Grade / course
rep-col-birth-year = Birth year
rep-col-status = Status
rep-col-registered = Registered on
rep-col-programmes = Programmes
rep-col-pair-status = Pair status
rep-col-meetings = Meetings
rep-col-programme = Programme
rep-col-form = Form of mentoring
rep-col-mentor = Mentor
rep-col-mentees = Mentees
rep-col-role-model = Role model
rep-col-approved = Approved on
rep-col-activated = Started on
rep-col-ended = Ended on
rep-col-last-meeting = Last meeting
rep-col-date = Date
rep-col-format = Format
rep-col-minutes = Minutes
rep-col-topic = Topic
rep-col-occasion = Survey
rep-col-question = Question
rep-col-answers = Answers
rep-col-average = Average (1–10)
rep-col-yes-share = "Yes", %
rep-col-distribution = Distribution of answers
rep-col-answers-start = Answers at start
rep-col-average-start = Average at start
rep-col-answers-end = Answers at end
rep-col-average-end = Average at end
rep-col-change = Change
rep-col-stat-mentors = Mentors
rep-col-mentors-teacher = of them teachers
rep-col-mentors-school_student = of them school students
rep-col-mentors-college_student = of them college students
rep-col-mentors-employer_rep = of them employers' representatives
rep-col-stat-mentees = Mentees
rep-col-mentees-school_student = of them school students
rep-col-mentees-college_student = of them college students
rep-col-mentees-young_specialist = of them young specialists
rep-col-involved-mentors = Mentors in working pairs
rep-col-involved-mentees = Mentees in working pairs
rep-col-programmes-running = Programmes running
rep-col-pairs-active = Working pairs and groups
rep-col-meetings-year = Meetings in the year

## values
rep-role-mentor = mentor
rep-role-mentee = mentee
rep-cat-school_student = school student
rep-cat-college_student = college student
rep-cat-young_specialist = young specialist
rep-cat-teacher = teacher
rep-cat-employer_rep = employer's representative
rep-status-active = taking part
rep-status-awaiting_consent = awaiting parental consent
rep-pair-approved = approved, awaiting answers
rep-pair-active = working
rep-pair-ended = ended
rep-pair-dissolved = dissolved
rep-pair-none = no pair
rep-format-online = online
rep-format-offline = in person
rep-occasion-meeting = after a meeting
rep-occasion-start = start
rep-occasion-end = end
rep-yes = yes
rep-no = no
rep-total = Total
