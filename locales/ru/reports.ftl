# Отчёты в виде файлов XLSX (handlers/reports.py, bot/exports.py, domain/reports.py)

## меню отчётов
rep-menu-title = 📄 Отчёты: { $unit }
rep-menu-hint = Выберите отчёт — файл XLSX придёт сюда отдельным сообщением. В отчёт попадает только ваша зона ответственности. Каждая выгрузка записывается в журнал.
rep-btn-participants = 👥 Персонифицированный учёт участников
rep-btn-pairs = 🤝 Пары и группы
rep-btn-meetings = 📅 Встречи
rep-btn-surveys = 📊 Мониторинг: анкеты
rep-btn-stat-form = 🧾 Статистическая форма за { $year } год
rep-btn-log = 🗂 Мои выгрузки
rep-btn-back = ⬅ { $name }
rep-btn-back-menu = ⬅ К отчётам

rep-kind-participants = Персонифицированный учёт участников
rep-kind-pairs = Пары и группы
rep-kind-meetings = Встречи
rep-kind-surveys = Мониторинг: анкеты
rep-kind-stat_form = Статистическая форма

rep-started = Готовлю отчёт «{ $report }». Файл придёт сюда, когда будет готов; тем временем ботом можно пользоваться.
rep-busy = Отчёт уже готовится. Дождитесь файла — потом можно заказать следующий.
rep-progress = ⏳ Готовлю отчёт… Строк: { $rows }
rep-progress-done = ✅ Отчёт готов. Строк: { $rows }
rep-caption = { $kind ->
    [participants] Персонифицированный учёт участников
    [pairs] Пары и группы
    [meetings] Встречи
    [surveys] Мониторинг: анкеты
    [stat_form] Статистическая форма
   *[other] Отчёт
  } — { $unit }. Строк: { $rows }
rep-failed = Не удалось подготовить отчёт. Попробуйте ещё раз чуть позже; если не получится снова — сообщите администратору.
rep-interrupted = Подготовка отчёта «{ $kind ->
    [participants] Персонифицированный учёт участников
    [pairs] Пары и группы
    [meetings] Встречи
    [surveys] Мониторинг: анкеты
    [stat_form] Статистическая форма
   *[other] Отчёт
  }» прервалась: бот перезапускался. Закажите его ещё раз в меню «Отчёты».

## журнал выгрузок
rep-log-title = 🗂 Ваши выгрузки
rep-log-empty = Вы ещё не выгружали отчётов.
rep-log-line = { $n }. { $report } — { $unit } — { $when } — { $status }
rep-log-status-running = готовится
rep-log-status-done = готов, строк: { $rows }
rep-log-status-failed = не удалось
rep-log-status-interrupted = прерван
rep-log-unit-hidden = —

## листы
rep-sheet-participants = Участники
rep-sheet-pairs = Пары и группы
rep-sheet-meetings = Встречи
rep-sheet-surveys-stage1 = Мониторинг, этап 1
rep-sheet-surveys-stage2 = Мониторинг, этап 2
rep-sheet-stat-form = Статистическая форма

## столбцы
rep-col-municipality = Муниципалитет
rep-col-organisation = Организация
rep-col-name = ФИО
rep-col-role = Роль
rep-col-category = Категория
rep-col-grade = Класс / курс
rep-col-birth-year = Год рождения
rep-col-status = Статус
rep-col-registered = Дата регистрации
rep-col-programmes = Программы
rep-col-pair-status = Статус пары
rep-col-meetings = Встреч
rep-col-programme = Программа
rep-col-form = Форма наставничества
rep-col-mentor = Наставник
rep-col-mentees = Наставляемые
rep-col-role-model = Ролевая модель
rep-col-approved = Утверждена
rep-col-activated = Начала работу
rep-col-ended = Завершена
rep-col-last-meeting = Последняя встреча
rep-col-date = Дата
rep-col-format = Формат
rep-col-minutes = Минут
rep-col-topic = Тема
rep-col-occasion = Анкета
rep-col-question = Вопрос
rep-col-answers = Ответов
rep-col-average = Среднее (1–10)
rep-col-yes-share = Доля «да», %
rep-col-distribution = Распределение ответов
rep-col-answers-start = Ответов на старте
rep-col-average-start = Среднее на старте
rep-col-answers-end = Ответов в конце
rep-col-average-end = Среднее в конце
rep-col-change = Изменение
rep-col-stat-mentors = Наставников
rep-col-mentors-teacher = из них педагогов
rep-col-mentors-school_student = из них школьников
rep-col-mentors-college_student = из них студентов
rep-col-mentors-employer_rep = из них представителей работодателей
rep-col-stat-mentees = Наставляемых
rep-col-mentees-school_student = из них школьников
rep-col-mentees-college_student = из них студентов
rep-col-mentees-young_specialist = из них молодых специалистов
rep-col-involved-mentors = Наставников в действующих парах
rep-col-involved-mentees = Наставляемых в действующих парах
rep-col-programmes-running = Программ реализуется
rep-col-pairs-active = Действующих пар и групп
rep-col-meetings-year = Встреч за год

## значения
rep-role-mentor = наставник
rep-role-mentee = наставляемый
rep-cat-school_student = школьник
rep-cat-college_student = студент
rep-cat-young_specialist = молодой специалист
rep-cat-teacher = педагог
rep-cat-employer_rep = представитель работодателя
rep-status-active = участвует
rep-status-awaiting_consent = ждёт согласия родителей
rep-pair-approved = утверждена, ждёт ответа
rep-pair-active = действует
rep-pair-ended = завершена
rep-pair-dissolved = расформирована
rep-pair-none = нет пары
rep-format-online = онлайн
rep-format-offline = очно
rep-occasion-meeting = после встречи
rep-occasion-start = стартовая
rep-occasion-end = итоговая
rep-yes = да
rep-no = нет
rep-total = Итого
