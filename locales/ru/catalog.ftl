## Каталог интересов, предметов и целей (коды — domain/data/catalog.json),
## а также подписи ролей, категорий, форматов, дней недели и времени суток.

catalog-interests-sport = Спорт
catalog-interests-music = Музыка
catalog-interests-art = Рисование и дизайн
catalog-interests-theatre = Театр
catalog-interests-reading = Чтение
catalog-interests-it = IT и программирование
catalog-interests-robotics = Робототехника
catalog-interests-science = Наука и исследования
catalog-interests-history = История и краеведение
catalog-interests-travel = Путешествия и туризм
catalog-interests-volunteering = Волонтёрство
catalog-interests-media = Медиа и журналистика
catalog-interests-business = Предпринимательство
catalog-interests-games = Интеллектуальные игры
catalog-interests-ecology = Экология
catalog-interests-languages = Иностранные языки

catalog-subjects-math = Математика
catalog-subjects-russian = Русский язык
catalog-subjects-literature = Литература
catalog-subjects-english = Английский язык
catalog-subjects-physics = Физика
catalog-subjects-chemistry = Химия
catalog-subjects-biology = Биология
catalog-subjects-informatics = Информатика
catalog-subjects-history = История
catalog-subjects-social = Обществознание
catalog-subjects-geography = География
catalog-subjects-pe = Физкультура
catalog-subjects-pedagogy = Педагогика
catalog-subjects-methodology = Методика преподавания

catalog-goals-grades = Повысить успеваемость
catalog-goals-exams = Подготовка к экзаменам
catalog-goals-olympiads = Олимпиады и конкурсы
catalog-goals-projects = Проекты и исследования
catalog-goals-career = Выбор профессии
catalog-goals-adaptation = Адаптация в коллективе
catalog-goals-leadership = Лидерство
catalog-goals-communication = Общение и уверенность
catalog-goals-motivation = Мотивация к учёбе
catalog-goals-creativity = Творчество
catalog-goals-teaching_methods = Методики преподавания
catalog-goals-classroom_management = Работа с классом
catalog-goals-documents = Документы и отчётность
catalog-goals-digital_skills = Цифровые навыки

cat-role-mentor = Наставник
cat-role-mentee = Наставляемый

cat-school_student = Школьник
cat-college_student = Студент колледжа
cat-young_specialist = Молодой специалист (педагог со стажем до 3 лет)
cat-teacher = Педагог
cat-employer_rep = Представитель работодателя
cat-grade = { $n } класс
cat-course = { $n } курс

cat-format-online = Онлайн
cat-format-offline = Очно
cat-format-any = Онлайн или очно

cat-day-0 = Понедельник
cat-day-1 = Вторник
cat-day-2 = Среда
cat-day-3 = Четверг
cat-day-4 = Пятница
cat-day-5 = Суббота
cat-day-6 = Воскресенье
cat-day-short-0 = Пн
cat-day-short-1 = Вт
cat-day-short-2 = Ср
cat-day-short-3 = Чт
cat-day-short-4 = Пт
cat-day-short-5 = Сб
cat-day-short-6 = Вс

cat-tod-morning = Утро (8–12)
cat-tod-afternoon = День (12–17)
cat-tod-evening = Вечер (17–21)

cat-status-active = Участвует
cat-status-awaiting_consent = Ждёт подтверждения согласия родителей
cat-status-erased = Данные удалены
