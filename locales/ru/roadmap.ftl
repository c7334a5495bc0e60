## Дорожная карта (handlers/roadmap.py, domain/roadmap.py)

## Пункты шаблона (domain/data/roadmap_templates.json): название пункта по его коду

rm-tpl-regional_regulation = Утвердить региональное положение о наставничестве
rm-tpl-working_group = Сформировать рабочую группу по внедрению целевой модели наставничества
rm-tpl-curator_appointed = Назначить приказом руководителя куратора внедрения целевой модели наставничества
rm-tpl-roadmap_drafted = Разработать и утвердить дорожную карту внедрения целевой модели наставничества
rm-tpl-roadmaps_agreed = Согласовать дорожные карты образовательных организаций
rm-tpl-meeting_q1 = Провести совещание ответственных за наставничество (I квартал учебного года)
rm-tpl-meeting_q2 = Провести совещание ответственных за наставничество (II квартал учебного года)
rm-tpl-meeting_q3 = Провести совещание ответственных за наставничество (III квартал учебного года)
rm-tpl-meeting_q4 = Провести совещание ответственных за наставничество (IV квартал учебного года)
rm-tpl-mentors_trained = Отобрать и обучить наставников
rm-tpl-pairs_fixed = Сформировать наставнические пары и группы и закрепить их приказом
rm-tpl-monitoring_report = Провести мониторинг реализации программ наставничества и подготовить аналитическую справку
rm-tpl-programmes_running = Внедрить программы наставничества (охват — по целевым показателям)
rm-tpl-stat_form = Обеспечить внесение данных о количестве участников программ наставничества в формы федерального статистического наблюдения
rm-tpl-base_formed = Сформировать базы наставляемых и наставников на следующий учебный год
rm-tpl-practices_collected = Сформировать базу программ наставничества и лучших практик

## Окна мониторинга программ

rm-window-survey_start = Входное анкетирование: «{ $programme }»
rm-window-survey_end = Итоговое анкетирование: «{ $programme }»

## Список

rm-title = 📅 Дорожная карта: { $unit }
rm-count = Пунктов: { $n }
rm-empty = Пунктов пока нет.
rm-line = { $mark } { $date } — { $title } ({ $who })
rm-legend = ✅ выполнено · ⏳ в работе · ⚠️ просрочено · ✖ отменено
rm-btn-item = { $mark } { $date } { $title }
rm-btn-add = ➕ Добавить пункт
rm-btn-below = ⚠️ Просрочено на уровнях ниже
rm-btn-programme = 📋 К программе
rm-btn-back-list = ⬅ К дорожной карте

## Пункт

rm-item-title = { $mark } { $title }
rm-field-unit = Дорожная карта: { $unit }
rm-field-due = Срок: { $date }
rm-field-status = Состояние: { $status }
rm-field-who = Ответственный: { $who }
rm-field-kind = Вид: { $kind }
rm-field-done = Выполнено { $date }, отметил(а): { $who }
rm-status-open = в работе
rm-status-done = выполнено
rm-status-cancelled = отменено
rm-status-overdue = просрочено
rm-kind-task = задача
rm-kind-monitoring = мониторинг
rm-kind-stat_form = форма статистического наблюдения
rm-kind-meeting = совещание
rm-btn-complete = ✅ Выполнено
rm-btn-reopen = ↩ Вернуть в работу
rm-btn-edit-title = ✏ Название
rm-btn-edit-due = 📅 Срок
rm-btn-reassign = 👤 Ответственный
rm-btn-cancel-item = ✖ Отменить пункт
rm-btn-cancel-yes = ✖ Да, отменить
rm-btn-person = { $mark }{ $name }
rm-cancel-ask = Отменить пункт «{ $title }»? Напоминаний по нему больше не будет.
rm-reassign-ask = Кто отвечает за пункт «{ $title }»?
rm-done = Пункт отмечен выполненным.
rm-reopened = Пункт снова в работе.
rm-cancelled = Пункт отменён.
rm-reassigned = Ответственный: { $who }.
rm-saved = Сохранено.
rm-added = Пункт добавлен.

## Диалоги

rm-ask-title = Напишите название пункта (до { $max } символов).
rm-ask-due = Напишите срок в виде ДД.ММ.ГГГГ, например { $example }.
rm-ask-who = «{ $title }», срок { $date }. Кто ответственный?
rm-ask-new-title = Сейчас: «{ $title }». Напишите новое название.
rm-ask-new-due = Сейчас срок { $date }. Напишите новый срок в виде ДД.ММ.ГГГГ.
rm-text-expected = Пожалуйста, напишите ответ текстом или нажмите «Отмена».
rm-who-expected = Выберите ответственного кнопкой или нажмите «Отмена».
rm-dialog-cancelled = Отменено, ничего не изменилось.

## Ошибки

rm-invalid-title-short = Название слишком короткое: нужно хотя бы { $min } символа.
rm-invalid-title-long = Название слишком длинное: не больше { $max } символов.
rm-invalid-date-format = Не понимаю дату. Напишите её в виде ДД.ММ.ГГГГ, например 15.01.2027, или словом: «сегодня», «завтра».
rm-invalid-date-past = Этот срок уже прошёл. Укажите сегодняшнюю или более позднюю дату.
rm-invalid-date-far = Срок слишком далеко: не больше трёх лет вперёд.
rm-invalid-responsible = Ответственным можно назначить только действующего куратора этого или вышестоящего уровня.
rm-invalid-stale = Пока вы смотрели, пункт уже изменили. Вот как он выглядит сейчас.
rm-invalid-not-open = Пункт уже не в работе: изменить его нельзя.
rm-invalid-not-done = Пункт не отмечен выполненным.

## Просрочено ниже

rm-below-title = ⚠️ Просрочено на уровнях ниже: { $unit }
rm-below-count = Просрочено пунктов: { $n }; { $level ->
    [municipality] организаций
   *[other] муниципалитетов и организаций
} с просрочкой: { $units }
rm-below-none = Просроченных пунктов ниже нет. 👍
rm-below-unit = { $unit }: просрочено { $n }
rm-below-line = • { $date } — { $title } ({ $who })
rm-below-more = • …и ещё { $n }
rm-btn-below-unit = { $unit } ({ $n })

## Напоминания

rm-remind-d7 = 📅 Через неделю, { $date }, истекает срок пункта дорожной карты «{ $title }» ({ $unit }).
rm-remind-d3 = 📅 Через 3 дня, { $date }, истекает срок пункта дорожной карты «{ $title }» ({ $unit }).
rm-remind-d1 = ⏰ Завтра, { $date }, истекает срок пункта дорожной карты «{ $title }» ({ $unit }).
rm-remind-missed = ⚠️ Истёк срок пункта дорожной карты «{ $title }» ({ $unit }): { $date }. Если он выполнен, отметьте это; если нет — перенесите срок.
rm-remind-up = ⚠️ Уровнем ниже просрочен пункт дорожной карты «{ $title }» ({ $unit }): срок истёк { $date }.
rm-btn-open-item = 📅 Открыть пункт
