## The catalogue of interests, subjects and goals (codes: domain/data/catalog.json),
## and the labels of roles, categories, formats, weekdays and times of day.

catalog-interests-sport = Sport
catalog-interests-music = Music
catalog-interests-art = Drawing and design
catalog-interests-theatre = Theatre
catalog-interests-reading = Reading
catalog-interests-it = IT and programming
catalog-interests-robotics = Robotics
catalog-interests-science = Science and research
catalog-interests-history = History and local studies
catalog-interests-travel = Travel and tourism
catalog-interests-volunteering = Volunteering
catalog-interests-media = Media and journalism
catalog-interests-business = Entrepreneurship
catalog-interests-games = Strategy and quiz games
catalog-interests-ecology = Ecology
catalog-interests-languages = Foreign languages

catalog-subjects-math = Mathematics
catalog-subjects-russian = Russian
catalog-subjects-literature = Literature
catalog-subjects-english = English
catalog-subjects-physics = Physics
catalog-subjects-chemistry = Chemistry
catalog-subjects-biology = Biology
catalog-subjects-informatics = Computer science
catalog-subjects-history = History
catalog-subjects-social = Social studies
catalog-subjects-geography = Geography
catalog-subjects-pe = Physical education
catalog-subjects-pedagogy = Pedagogy
catalog-subjects-methodology = Teaching methodology

catalog-goals-grades = Better marks
catalog-goals-exams = Exam preparation
catalog-goals-olympiads = Olympiads and contests
catalog-goals-projects = Projects and research
catalog-goals-career = Choosing a career
catalog-goals-adaptation = Settling into a team
catalog-goals-leadership = Leadership
catalog-goals-communication = Communication and confidence
catalog-goals-motivation = Motivation to study
catalog-goals-creativity = Creativity
catalog-goals-teaching_methods = Teaching methods
catalog-goals-classroom_management = Classroom management
catalog-goals-documents = Paperwork and reports
catalog-goals-digital_skills = Digital skills

cat-role-mentor = Mentor
cat-role-mentee = Mentee

cat-school_student = School student
cat-college_student = College student
cat-young_specialist = Young specialist (under 3 years of teaching)
cat-teacher = Teacher
cat-employer_rep = Employer's representative
cat-grade = grade { $n }
cat-course = year { $n }

cat-format-online = Online
cat-format-offline = In person
cat-format-any = Online or in person

cat-day-0 = Monday
cat-day-1 = Tuesday
cat-day-2 = Wednesday
cat-day-3 = Thursday
cat-day-4 = Friday
cat-day-5 = Saturday
cat-day-6 = Sunday
cat-day-short-0 = Mon
cat-day-short-1 = Tue
cat-day-short-2 = Wed
cat-day-short-3 = Thu
cat-day-short-4 = Fri
cat-day-short-5 = Sat
cat-day-short-6 = Sun

cat-tod-morning = Morning (8–12)
cat-tod-afternoon = Afternoon (12–17)
cat-tod-evening = Evening (17–21)

cat-status-active = Taking part
cat-status-awaiting_consent = Awaiting confirmation of parental consent
cat-status-erased = Data erased
