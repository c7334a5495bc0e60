## Программы наставничества: формы, ролевые модели, меню куратора, /programmes участника

## Формы наставничества (коды — domain/data/forms.json)

form-student_student = Ученик — ученик
form-teacher_teacher = Учитель — учитель
form-teacher_student = Учитель (преподаватель) — ученик (студент)
form-college_school = Студент — ученик
form-employer_student = Работодатель — ученик
form-employer_collegian = Работодатель — студент

## Ролевые модели

role-model-achiever_underachiever = Успевающий — неуспевающий
role-model-leader_passive = Лидер — пассивный
role-model-peer_to_peer = Равный — равному
role-model-adapted_unadapted = Адаптированный — неадаптированный
role-model-experienced_young = Опытный педагог — молодой специалист
role-model-classroom_teacher_young = Опытный классный руководитель — молодой специалист
role-model-innovator_conservative = Педагог-новатор — консервативный педагог
role-model-teacher_underachiever = Учитель — неуспевающий ученик
role-model-teacher_gifted = Учитель — одарённый ученик
role-model-teacher_adaptation = Учитель — ученик, которому нужна помощь в адаптации
role-model-successful_undecided = Успешный студент — ученик, не выбравший профессию
role-model-project_partner = Партнёры по проекту
role-model-role_model_student = Студент — пример для ученика
role-model-professional_consumer = Активный профессионал — равнодушный потребитель
role-model-colleague_future_colleague = Коллега — будущий коллега
role-model-innovator_practitioner = Новатор — практик

## Общее

cmd-programmes = Мои программы наставничества
prog-btn-programmes = 📘 Программы наставничества
prog-stale = Эта кнопка устарела: пользуйтесь кнопками последнего сообщения.
prog-bad-button = Эта кнопка не работает. Пользуйтесь кнопками последнего сообщения.
prog-use-buttons = Пожалуйста, ответьте кнопками под вопросом. Повторяю вопрос:
prog-text-expected = Пришлите ответ текстом или отмените: /cancel.
prog-side-mentor = Наставники
prog-side-mentee = Наставляемые
prog-side-one-mentor = наставник
prog-side-one-mentee = наставляемый
prog-interval-7 = раз в неделю
prog-interval-14 = раз в две недели
prog-interval-30 = раз в месяц
prog-mode-one = один на один (наставник и наставляемый)
prog-mode-group = в группах (наставник и несколько наставляемых)
prog-status-finished = Программа завершена.

## Ошибки ввода и отказы (коды — domain.programmes.INVALID_CODES)

prog-invalid-form = Такой формы наставничества нет. Выберите форму кнопкой.
prog-invalid-form-needs-org = Эта форма наставничества ведётся внутри одной организации: создайте программу в самой организации.
prog-invalid-role-models-empty = Выберите хотя бы одну ролевую модель.
prog-invalid-role-model = Эта ролевая модель не относится к выбранной форме.
prog-invalid-title-short = Название слишком короткое: нужно не меньше { $min } символов. Пришлите название ещё раз.
prog-invalid-title-long = Название длиннее { $max } символов. Пришлите название покороче.
prog-invalid-date-format = Не понимаю дату. Пришлите её в формате ДД.ММ.ГГГГ, например 01.09.2027, или словом: «сегодня», «завтра».
prog-invalid-start-past = Дата начала слишком ранняя: принимается дата с начала текущего учебного года или { $days ->
        [one] за последний { $days } день
        [few] за последние { $days } дня
       *[many] за последние { $days } дней
    }. Пришлите дату не раньше { $earliest }.
prog-invalid-end-before-start = Дата окончания должна быть позже даты начала. Пришлите другую дату.
prog-invalid-end-past = Эта дата окончания уже прошла. Пришлите дату не раньше сегодняшней.
prog-invalid-period-long = Программа не может длиться больше { $years ->
    [one] { $years } года
   *[other] { $years } лет
}. Проверьте дату.
prog-invalid-interval = Выберите периодичность встреч кнопкой.
prog-invalid-finished = Программа уже завершена. Ничего не изменилось.
prog-invalid-erased = Данные этого участника удалены. Ничего не изменилось.
prog-invalid-outside = Этот участник не из организаций программы. Ничего не изменилось.
prog-invalid-category = Категория участника не подходит этой стороне программы по её форме. Ничего не изменилось.
prog-invalid-mentor-age = Наставником-школьником может быть только ученик 15–18 лет. Ничего не изменилось.
prog-invalid-other-side = Этот участник уже в программе на другой стороне. Ничего не изменилось.
prog-invalid-side = Такой стороны в программе нет.
prog-invalid-not-member = Вы не участник этой программы или уже вышли из неё. Ваши программы: /programmes.
prog-invalid-too-many = Можно назвать не больше { $max } человек.
prog-invalid-duplicate = Один и тот же человек выбран дважды.
prog-invalid-target = Кого-то из выбранных уже нельзя назвать: он вышел из программы. Выберите заново.
prog-invalid-invite = Эта ссылка на программу больше не действует. Попросите у куратора новую.

## Список программ подразделения

prog-list-title = Программы наставничества: { $name }
prog-list-empty = Программ пока нет. Создайте первую.
prog-list-found = { $n ->
    [one] { $n } программа:
    [few] { $n } программы:
   *[many] { $n } программ:
}
prog-list-item = { $title } · { $form }
prog-list-item-unit = { $title } · { $unit }
prog-btn-new = ➕ Новая программа

## Создание программы

prog-new-ask-form = Новая программа ({ $unit }). Выберите форму наставничества:
prog-new-ask-form-wide = Новая программа ({ $unit }). Программа муниципалитета или региона объединяет участников разных организаций, поэтому здесь доступны только такие формы. Выберите форму наставничества:
prog-new-ask-role-models = Форма: { $form }. Выберите одну или несколько ролевых моделей и нажмите «Готово».
prog-btn-done = Готово ({ $n })
prog-new-ask-title = Введите название программы (от { $min } до { $max } символов).
prog-new-ask-start = Дата начала программы в формате ДД.ММ.ГГГГ, например { $example }.
prog-new-ask-end = Дата окончания программы в формате ДД.ММ.ГГГГ, например { $example }.
prog-new-ask-interval = Как часто пары должны встречаться?
prog-new-ask-mode = Как будут работать наставники?
prog-btn-mode-one = Один на один
prog-btn-mode-group = В группах
prog-new-summary = Проверьте и создайте программу:
prog-btn-create = ✅ Создать программу
prog-created = Программа создана.
prog-new-cancelled = Создание программы отменено.

## Карточка программы (куратор)

prog-view-title = 📘 { $title }
prog-field-unit = Организатор — { $unit }
prog-field-form = Форма: { $form }
prog-field-role-models = Ролевые модели: { $models }
prog-field-dates = Сроки: { $start } — { $end }
prog-field-interval = Встречи: { $interval }
prog-field-mode = Работа: { $mode }
prog-counts = Наставников: { $mentors }, наставляемых: { $mentees }
prog-counts-awaiting = Без подтверждённого согласия родителей — наставников: { $mentors }, наставляемых: { $mentees }. В пары они попадут только после подтверждения.
prog-warn-no-mentors = ⚠ В программе нет наставников — пары не сформировать. Добавьте их из базы или отправьте ссылку на программу.
prog-warn-no-mentees = ⚠ В программе нет наставляемых — пары не сформировать. Добавьте их из базы или отправьте ссылку на программу.
prog-prefs-short = Назвали желаемых партнёров: { $n } из { $total }
prog-btn-members = 👥 Участники ({ $n })
prog-btn-add = ➕ Добавить из базы
prog-btn-link = 🔗 Ссылка на программу
prog-btn-prefs = ⭐ Пожелания ({ $n })
prog-btn-pairs = 🤝 Пары и предложения
prog-btn-back-list = ⬅ Программы

## Участники программы

prog-members-title = «{ $title }»: участники
prog-members-showing = Показаны: { $side }
prog-members-found = { $n ->
    [one] { $n } человек.
    [few] { $n } человека.
   *[many] { $n } человек.
}
prog-members-empty-mentor = Наставников в программе нет.
prog-members-empty-mentee = Наставляемых в программе нет.
prog-member-line = { $n }. { $name } — { $details }
prog-member-line-awaiting = { $n }. { $name } — { $details } ⏳ ждёт согласия родителей
prog-btn-remove = ✖ { $n }
prog-remove-ask = Исключить из программы «{ $title }»: { $name }? Его пожелания и пожелания о нём перестанут учитываться.
prog-btn-remove-yes = ✖ Да, исключить
prog-removed = { $name } — исключён(а) из программы.
prog-remove-already = { $name } уже не в программе. Ничего не изменилось.

## Добавление из базы

prog-base-title = «{ $title }»: кого можно добавить — { $side }
prog-base-found = { $n ->
    [one] Подходит { $n } человек. Нажмите на имя, чтобы добавить.
    [few] Подходят { $n } человека. Нажмите на имя, чтобы добавить.
   *[many] Подходят { $n } человек. Нажмите на имя, чтобы добавить.
}
prog-base-empty = Подходящих участников, ещё не добавленных в программу, нет. Для этой стороны форма допускает: { $categories }. Пригласите их ссылкой организации.
prog-base-awaiting-hint = ⏳ — ждёт согласия родителей: можно добавить, но в пары не попадёт, пока согласие не подтверждено.
prog-btn-add-one = ➕ { $n }. { $name }
prog-added = Добавлен(а): { $name } ({ $side }).
prog-add-already = { $name } уже в программе. Ничего не изменилось.

## Ссылка на программу

prog-link-title = Ссылка на программу «{ $title }»
prog-link-explain = По ссылке вступают уже зарегистрированные участники ({ $unit }): наставники — наставниками, наставляемые — наставляемыми, если их категория подходит форме программы.
prog-link-none = Действующей ссылки нет.
prog-link-line = { $n }. { $until }, { $uses }
prog-btn-link-new = ➕ Создать ссылку
prog-btn-link-revoke = ✖ Отозвать { $n }
prog-link-created = Ссылка создана.
prog-link-revoke-ask = Отозвать ссылку на программу «{ $title }»? Кто уже вступил, останется в программе.
prog-link-revoked = Ссылка отозвана.
prog-link-revoke-already = Эта ссылка уже отозвана. Ничего не изменилось.

## Пожелания участников (куратор)

prog-prefs-title = «{ $title }»: пожелания участников
prog-prefs-counts = Назвали желаемых партнёров: наставляемых — { $mentees } из { $mentees_total }, наставников — { $mentors } из { $mentors_total }.
prog-prefs-hint = После общей встречи участники называют до трёх желаемых партнёров в порядке предпочтения (команда /programmes).
prog-prefs-none = Пока никто не назвал желаемых партнёров.
prog-prefs-line = { $n }. { $name } ({ $side }) → { $choices }

## /programmes участника

prog-my-not-participant = Вы ещё не зарегистрированы как участник. Откройте ссылку-приглашение, которую прислал куратор вашей организации.
prog-my-none = Вы пока не участвуете ни в одной программе наставничества. Куратор добавит вас или пришлёт ссылку на программу.
prog-my-title = Ваши программы наставничества. Выберите программу:
prog-card-side = Вы в программе: { $side }
prog-card-awaiting = Куратор ещё не подтвердил согласие ваших родителей: в пару вас включат после подтверждения.
prog-card-choices = С кем вы хотели бы работать (по порядку):
prog-card-no-choices = Вы пока никого не назвали. После общей встречи участников программы назовите до трёх человек, с которыми хотели бы работать.
prog-choice-line = { $rank }. { $name }
prog-btn-choose = ⭐ Назвать, с кем хочу работать
prog-btn-my-list = ⬅ Мои программы
prog-btn-open = 📘 { $title }

prog-pick-title-mentor = Выберите до { $max } наставников, с которыми хотели бы работать, по порядку: первый — самый желанный. Нажмите на выбранного ещё раз, чтобы убрать.
prog-pick-title-mentee = Выберите до { $max } наставляемых, с которыми хотели бы работать, по порядку: первый — самый желанный. Нажмите на выбранного ещё раз, чтобы убрать.
prog-pick-empty-mentor = В программе пока нет наставников, которых можно назвать. Загляните позже.
prog-pick-empty-mentee = В программе пока нет наставляемых, которых можно назвать. Загляните позже.
prog-pick-selected = Выбрано { $n } из { $max }.
prog-pick-line = { $n }. { $name } — { $details }
prog-pick-shared = общие интересы: { $list }
prog-pick-no-shared = общих интересов нет
prog-pick-format = формат: { $format }
prog-btn-pick = { $n }. { $name }
prog-btn-picked = ✅{ $rank } { $name }
prog-btn-review = Дальше: проверить ({ $n } из { $max })
prog-btn-clear = Очистить выбор
prog-btn-back = ⬅ Назад
prog-pick-full = Можно выбрать не больше { $max }. Уберите кого-нибудь, нажав на него ещё раз.
prog-review-title = Ваш выбор по порядку:
prog-review-empty = Вы никого не выбрали. Сохранить — значит отказаться от пожеланий.
prog-btn-save = ✅ Сохранить
prog-btn-change = ✏️ Изменить
prog-saved = Сохранено. Куратор учтёт ваши пожелания, когда будет формировать пары.

## Вступление по ссылке на программу

prog-join-not-registered = Чтобы вступить в программу, сначала зарегистрируйтесь по ссылке-приглашению своей организации — её присылает куратор. Потом откройте эту ссылку ещё раз.
prog-join-done = Вы вступили в программу «{ $title }» как { $side }. Ваши программы: /programmes.
prog-join-done-awaiting = Куратор ещё не подтвердил согласие ваших родителей: в пару вас включат после подтверждения.
prog-join-already = Вы уже участник программы «{ $title }». Ваши программы: /programmes.
prog-join-category = В программе «{ $title }» (форма «{ $form }») ваша категория не предусмотрена для стороны «{ $side }». Если это ошибка, обратитесь к куратору.
prog-join-mentor-age = В программе «{ $title }» наставником-школьником может быть только ученик 15–18 лет. Если это ошибка, обратитесь к куратору.
prog-join-outside = Программа «{ $title }» — для участников других организаций. Если это ошибка, обратитесь к куратору.
prog-join-finished = Программа «{ $title }» уже завершена.
prog-join-other-side = Вы уже участник программы «{ $title }». Ваши программы: /programmes.
prog-join-erased = Ваши данные удалены, поэтому вступить в программу нельзя.
prog-join-invite = Эта ссылка на программу больше не действует. Попросите у куратора новую.
