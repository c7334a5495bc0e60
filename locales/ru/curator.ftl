## Меню куратора и администратора (/curator, /admin)

cur-only-curators = Это меню для кураторов программ наставничества. Если вы куратор, откройте ссылку-приглашение, которую вам прислали. Что я умею: /help.
adm-only-admins = Эта команда — для администраторов бота. Кураторам: /curator. Что я умею: /help.
cur-not-found = Не найдено или недоступно вам. Ничего не изменилось. Откройте меню заново: /curator.
cur-stale = Эта кнопка устарела. Откройте меню заново: /curator.

## Навигация

cur-btn-prev = ◀
cur-btn-next = ▶
cur-page = { $page } / { $pages }
cur-btn-up = ⬆ { $name }
cur-btn-top = ⬆ К списку
cur-btn-cancel = Отмена
cur-btn-no = Нет, оставить
cur-btn-back-org = ⬅ { $name }
cur-btn-back-unit = ⬅ { $name }
cur-btn-back-list = ⬅ К списку участников
cur-mark = ●{" "}

## Подразделения

adm-top-title = Все регионы
cur-top-title = Вы куратор нескольких подразделений. Выберите:
cur-title-region = Регион: { $name }
cur-title-municipality = Муниципалитет: { $name }
cur-title-organisation = { $type }: { $name }
cur-trail = Входит в: { $trail }
cur-counts = Наставников: { $mentors }, наставляемых: { $mentees }, ждут согласия родителей: { $awaiting }
cur-child-button = { $name } ({ $mentors } / { $mentees })
cur-children-region = { $n ->
    [one] { $n } регион
    [few] { $n } региона
   *[many] { $n } регионов
} (в скобках — наставники / наставляемые):
cur-children-municipality = { $n ->
    [one] { $n } муниципалитет
    [few] { $n } муниципалитета
   *[many] { $n } муниципалитетов
} (в скобках — наставники / наставляемые):
cur-children-organisation = { $n ->
    [one] { $n } организация
    [few] { $n } организации
   *[many] { $n } организаций
} (в скобках — наставники / наставляемые):
adm-no-regions = Регионов пока нет. Создайте первый.
cur-no-children-municipality = Муниципалитетов пока нет.
cur-no-children-organisation = Организаций пока нет.

cur-orgtype-school = Школа
cur-orgtype-college = Колледж
cur-orgtype-additional = Учреждение дополнительного образования
cur-orgtype-employer = Предприятие-партнёр

adm-btn-new-region = ➕ Регион
cur-btn-new-municipality = ➕ Муниципалитет
cur-btn-new-organisation = ➕ Организация
cur-btn-invite-curator = 👤 Пригласить куратора
cur-btn-invite-cocurator = 👤 Пригласить сокуратора
cur-btn-curators = 👥 Кураторы ({ $n })
cur-btn-participants = 👥 Участники ({ $n })
cur-btn-awaiting = ⏳ Ждут согласия родителей ({ $n })
cur-btn-links = 🔗 Ссылки-приглашения

## Участники

cur-role-mentor = наставник
cur-role-mentee = наставляемый
cur-status-active = активен
cur-status-awaiting_consent = ждёт согласия родителей
cur-cat-school_student = школьник
cur-cat-college_student = студент колледжа
cur-cat-young_specialist = молодой специалист
cur-cat-teacher = педагог
cur-cat-employer_rep = представитель работодателя
cur-grade = { $grade } класс
cur-course = { $course } курс

cur-plist-title = Участники: { $name }
cur-plist-filter = Роль: { $role }. Статус: { $status }.
cur-plist-found = { $n ->
    [one] Найден { $n } участник.
    [few] Найдено { $n } участника.
   *[many] Найдено { $n } участников.
}
cur-plist-empty = Никого не найдено.
cur-pline = { $n }. { $name } — { $role }, { $details }; { $status }
cur-f-role-a = Все роли
cur-f-role-m = Наставники
cur-f-role-e = Наставляемые
cur-f-status-a = Все
cur-f-status-c = Активные
cur-f-status-w = Ждут согласия

cur-card =
    { $name }
    Роль: { $role }
    Категория: { $details }
    Год рождения: { $year }
    Статус: { $status }
    Организация: { $org }
    Зарегистрирован(а): { $registered }
cur-card-consent = Согласие родителей подтверждено: { $date }
cur-card-capacity = Готов(а) взять { $n ->
    [one] { $n } наставляемого
   *[other] { $n } наставляемых
}
cur-btn-confirm-consent = ✅ Подтвердить согласие родителей

cur-await-title = Ждут согласия родителей: { $name }
cur-await-empty = Никто не ждёт подтверждения согласия родителей.
cur-await-found = { $n ->
    [one] { $n } участник ждёт подтверждения.
    [few] { $n } участника ждут подтверждения.
   *[many] { $n } участников ждут подтверждения.
}
cur-await-line = { $n }. { $name } — { $details }, { $year } г. р.
cur-await-hint = Отметьте тех, чьё письменное согласие родителя (законного представителя) у вас есть, и нажмите «Подтвердить отмеченных». Можно подтвердить сразу весь класс или весь список.
cur-await-line-done = { $n }. { $name } — ✅ согласие подтверждено
cur-await-none-left = Все в этом списке подтверждены.
cur-await-filter = Показаны: { $cls }.
cur-await-btn-off = ☐ { $n }. { $name }
cur-await-btn-on = ☑ { $n }. { $name }
cur-await-btn-done = ✅ { $n }. { $name }
cur-await-class-all = Все ({ $n })
cur-await-class-grade = { $grade } кл. ({ $n })
cur-await-class-course = { $course } курс ({ $n })
cur-await-class-other = Прочие ({ $n })
cur-await-of-all = весь список
cur-await-of-grade = { $grade } класс
cur-await-of-course = { $course } курс
cur-await-of-other = без класса и курса
cur-btn-confirm-marked = ✅ Подтвердить отмеченных ({ $n })
cur-btn-clear-marks = Снять отметки
cur-btn-confirm-all = ✅ Подтвердить всех в списке ({ $n })
cur-btn-confirm-class = ✅ Подтвердить всех: { $cls } ({ $n })
cur-btn-refresh = 🔄 Обновить список
cur-btn-undo-consents = ↩ Отменить подтверждение ({ $n }), до { $time }
cur-confirm-all-ask =
    Подтвердить согласие родителей сразу для { $n ->
        [one] { $n } участника
       *[other] { $n } участников
    } ({ $cls })?

    { $names }

    Подтверждайте, только если у вас есть письменное согласие родителя (законного представителя) каждого из них. Отменить можно в течение { $minutes ->
        [one] { $minutes } минуты
       *[other] { $minutes } минут
    }.
cur-btn-confirm-all-yes = ✅ Да, подтвердить ({ $n })
cur-consents-done = Согласие родителей подтверждено для { $n ->
    [one] { $n } участника
   *[other] { $n } участников
}. Отменить можно в течение { $minutes ->
    [one] { $minutes } минуты
   *[other] { $minutes } минут
} — кнопкой «↩ Отменить» ниже.
cur-consents-already = Уже было подтверждено раньше: { $n }.
cur-consents-skipped = Пропущено (согласие не требуется или участник не найден): { $n }.
cur-consents-none-marked = Никто не отмечен. Отметьте участников кнопками с их именами.
cur-consents-none-waiting = В этом списке больше никто не ждёт подтверждения.
cur-consents-marks-changed = Отметки изменились. Проверьте их и нажмите кнопку ещё раз. Ничего не изменилось.
cur-consents-list-changed = Список изменился с тех пор, как вы его открыли. Проверьте его и подтвердите ещё раз. Ничего не изменилось.
cur-consents-undone = Подтверждение отменено: { $n ->
    [one] { $n } участник снова ждёт
    [few] { $n } участника снова ждут
   *[many] { $n } участников снова ждут
} согласия родителей.
cur-consents-undone-told = Уже получили сообщение о подтверждении: { $names }. Бот отправит им поправку.
cur-consents-undone-paired = Подтверждение оставлено: { $names } — уже в паре или в предложенной паре. Если подтверждение было ошибкой, отмените пару в программе и нажмите «↩ Отменить» ещё раз.
cur-consents-undone-nothing = Отменять уже нечего. Ничего не изменилось.
cur-consent-undo-expired = Отменить подтверждение можно только в течение { $minutes ->
    [one] { $minutes } минуты
   *[other] { $minutes } минут
} после него. Ничего не изменилось.
cur-consent-undo-already = Это подтверждение уже отменено. Ничего не изменилось.
cur-consent-confirmed = Согласие родителей подтверждено: { $name }.
cur-consent-already = Согласие родителей уже подтверждено: { $name }. Ничего не изменилось.
cur-consent-not-needed = { $name }: подтверждение согласия родителей не требуется. Ничего не изменилось.

## Ссылки-приглашения

cur-links-title = Ссылки-приглашения: { $name }
cur-links-empty = Действующих ссылок нет. Создайте новую.
cur-links-found = { $n ->
    [one] { $n } действующая ссылка.
    [few] { $n } действующие ссылки.
   *[many] { $n } действующих ссылок.
}
cur-link-role-any = любая роль
cur-link-role-mentor = наставники
cur-link-role-mentee = наставляемые
cur-link-until = действует до { $date }
cur-link-no-expiry = бессрочно
cur-link-uses = использовано { $uses } из { $max }
cur-link-uses-unlimited = использовано { $uses }, без ограничения
cur-link-line = { $role }, { $until }, { $uses }
cur-btn-revoke = ✖ Отозвать { $n }
cur-btn-new-link = ➕ Новая ссылка
cur-btn-create-link = ✅ Создать ссылку

cur-new-link-role = Новая ссылка для организации «{ $name }». Кого приглашаем?
cur-new-link-days = Новая ссылка: { $role }. Сколько дней она будет действовать?
cur-new-link-uses = Новая ссылка: { $role }, { $days }. Сколько человек смогут по ней зарегистрироваться?
cur-days = { $n ->
    [one] { $n } день
    [few] { $n } дня
   *[many] { $n } дней
}
cur-uses-unlimited = Без ограничения
cur-link-created =
    Ссылка для организации «{ $name }» создана: { $summary }.

    { $link }

    Перешлите её участникам. Отозвать её можно в разделе «Ссылки-приглашения».

cur-revoke-ask =
    Отозвать ссылку организации «{ $name }»?
    { $summary }
    Те, кто уже зарегистрировался, останутся участниками; новые по этой ссылке зарегистрироваться не смогут.
cur-btn-revoke-yes = ✖ Да, отозвать
cur-revoked = Ссылка отозвана.
cur-revoke-already = Эта ссылка уже отозвана. Ничего не изменилось.

## Кураторы подразделения и приглашение куратора

cur-curators-line = Кураторы: { $names }
cur-curators-none = Кураторов пока нет.
cur-curators-title = Кураторы — { $unit }
cur-curator-line = { $n }. { $name }, куратор с { $since }
cur-curator-invites = { $n ->
    [one] { $n } приглашение ещё не принято (сначала новые):
    [few] { $n } приглашения ещё не приняты (сначала новые):
   *[many] { $n } приглашений ещё не приняты (сначала новые):
}
cur-curator-invites-none = Непринятых приглашений нет.
cur-curator-invite-line = { $n }. Одноразовая ссылка, { $until }
cur-btn-revoke-invite = ✖ Отозвать { $n }
cur-btn-curators-of = 👥 Кураторы: { $name }
cur-curator-invite-revoked = Приглашение отозвано: по этой ссылке больше нельзя стать куратором.
cur-curator-invite-gone = Это приглашение уже принято или истекло. Ничего не изменилось.
cur-curator-invites-limit = Непринятых приглашений кураторов уже { $max } — больше нельзя. Отзовите ненужное приглашение ниже или дождитесь, пока его примут.

cur-cocurator-invite-ask = Создать одноразовую ссылку-приглашение для сокуратора ({ $unit })? Сокуратор будет вести это подразделение вместе с вами, с теми же правами, — и ничего выше него. Ссылка будет действовать { $days }.
cur-cocurator-invite-created =
    Ссылка для сокуратора ({ $unit }) создана, одноразовая, { $until }:

    { $link }

    Ниже — сообщение, которое можно переслать будущему сокуратору. Отозвать ссылку можно в разделе «Кураторы».
cur-cocurator-invite-forward =
    Вас приглашают стать сокуратором программ наставничества ({ $unit }) — вести их вместе с нынешним куратором.
    Откройте ссылку, чтобы принять приглашение (одноразовая, { $until }):
    { $link }

## Приглашение куратора

cur-curator-invite-ask = Создать одноразовую ссылку-приглашение для куратора ({ $unit })? Она будет действовать { $days }.
cur-curator-invite-created =
    Ссылка для куратора ({ $unit }) создана, одноразовая, { $until }:

    { $link }

    Ниже — сообщение, которое можно переслать будущему куратору.
cur-curator-invite-forward =
    Вас приглашают стать куратором программы наставничества ({ $unit }).
    Откройте ссылку, чтобы принять приглашение (одноразовая, { $until }):
    { $link }

## Создание регионов, муниципалитетов и организаций

cur-ask-name-region = Введите название нового региона.
cur-ask-name-municipality = Введите название нового муниципалитета в регионе «{ $parent }».
cur-ask-name-organisation = Введите название новой организации в муниципалитете «{ $parent }».
cur-ask-org-type = Какой тип у организации «{ $name }»?
cur-org-type-expected = Выберите тип организации кнопкой выше или отмените: /cancel.
cur-name-expected = Пришлите название текстом или отмените: /cancel.
cur-created = Создано: { $name }.
cur-create-cancelled = Создание отменено.
cur-invalid-unit-name-short = Название слишком короткое. Пришлите название ещё раз.
cur-invalid-unit-name-long = Название длиннее { $max } символов. Пришлите название покороче.
cur-invalid-unit-exists = Здесь уже есть подразделение с таким названием. Пришлите другое название.
cur-invalid-unit-kind = Здесь нельзя создать подразделение такого вида.
cur-invalid-org-type = Выберите тип организации кнопкой.

## Monitoring entry points (issue 5)
mon-btn-roadmap = 📅 Дорожная карта
mon-btn-kpi = 📊 Показатели
mon-btn-reports = 📄 Отчёты
mon-btn-practices = 💡 Лучшие практики
