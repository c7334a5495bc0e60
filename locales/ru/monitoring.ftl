## Мониторинг и завершение программы (handlers/monitoring.py, domain/pairing.py: end_pair, end_programme)

mon-btn-monitoring = 📊 Мониторинг и завершение

## Экран мониторинга программы

mon-title = 📊 Мониторинг программы «{ $programme }»
mon-programme-finished = 🏁 Программа завершена { $date }.
mon-pairs = Пары: действуют — { $active }, завершены — { $ended }, расформированы досрочно — { $dissolved }
mon-meetings = Встреч за последние { $days } { $days ->
    [one] день
    [few] дня
   *[many] дней
}: { $n }
mon-at-risk = ⚠️ Под риском { $n ->
    [one] { $n } пара
    [few] { $n } пары
   *[many] { $n } пар
}
mon-at-risk-none = Пар под риском нет.
mon-surveys = Опросы:
mon-survey-start = Стартовый опрос
mon-survey-end = Итоговый опрос
mon-survey-not-launched = • { $survey }: не запущен
mon-survey-launched = • { $survey }: запущен { $date }, ответили { $done } из { $invited }
mon-survey-closed = • { $survey }: закрыт (запущен { $date }), ответили { $done } из { $invited }
mon-btn-risk-pair = ⚠️ { $mentor } — { $mentees }
mon-btn-launch-start = 🚀 Стартовый опрос
mon-btn-launch-end = 📝 Итоговый опрос
mon-btn-active = 👥 Действующие пары ({ $n })
mon-btn-finish = 🏁 Завершить программу
mon-btn-programme = ⬅ К программе
mon-btn-back = ⬅ К мониторингу
mon-btn-back-active = ⬅ К действующим парам
mon-btn-cancel = Отмена

## Причины риска

mon-reason-no-meeting = нет встреч { $n } { $n ->
    [one] день
    [few] дня
   *[many] дней
}
mon-reason-low-rating = низкая оценка в опросе ({ $n } из 10)
mon-reason-fit-declined = участник считает, что пара не сложилась
mon-reason-unreachable = { $n ->
    [one] { $n } участник заблокировал бота
    [few] { $n } участника заблокировали бота
   *[many] { $n } участников заблокировали бота
}

## Экран пары

mon-pair-title = 🤝 Пара программы «{ $programme }»
mon-pair-mentor = Наставник: { $name }
mon-pair-mentees = { $n ->
    [1] Наставляемый
   *[other] Наставляемые
}: { $names }
mon-pair-status = Статус: { $status }
mon-pair-status-closed = Статус: { $status } { $date }
mon-status-proposed = предложена
mon-status-approved = ждёт ответа участников
mon-status-active = действует
mon-status-ended = завершена
mon-status-dissolved = расформирована досрочно
mon-status-rejected = отклонена куратором
mon-status-declined = участник отказался
mon-status-withdrawn = отозвана
mon-pair-since = Работает с { $date }
mon-pair-risk = ⚠️ Под риском: { $reasons }
mon-pair-meetings = { $n ->
    [0] Встреч пока не было.
    [1] Одна встреча:
    [one] { $n } встреча, последние:
    [few] { $n } встречи, последние:
   *[many] { $n } встреч, последние:
}
mon-format-offline = очно
mon-format-online = онлайн
mon-meeting-line = • { $date } · { $format } · { $minutes } мин
mon-meeting-line-short = • { $date } · { $format }
mon-pair-goals = { $n ->
    [0] Целей пока нет.
    [one] { $n } цель:
    [few] { $n } цели:
   *[many] { $n } целей:
}
mon-goal-line = • { $who }: { $text } — { $progress } %{ $done ->
    [yes] {" "}✅
   *[other] {""}
}
mon-pair-surveys = Последние оценки по опросам (от 1 до 10):
mon-pair-no-surveys = Опросов о паре пока нет.
mon-role-mentor = наставник
mon-role-mentee = наставляемый
mon-survey-score = • { $who } ({ $role }), { $date }: в среднем { $mean }, ниже всего { $low }{ $warn ->
    [yes] {" "}⚠️
   *[other] {""}
}
mon-pair-fits = Сложилась ли пара:
mon-fit-yes = • { $who }: да
mon-fit-no = • { $who }: нет — «{ $reason }»
mon-btn-end-pair = 🏁 Завершить пару
mon-btn-dissolve = ✂ Расформировать
mon-btn-rematch = 🔄 Подобрать замену
mon-btn-open-pair = 🤝 Открыть пару
mon-btn-pair-line = { $n }. { $mentor } — { $mentees }

## Завершение пары

mon-end-ask = Пара { $mentor } — { $mentees }: завершить её работу?
    Участникам придёт итоговый опрос с благодарностью (если у них нет других действующих пар).
mon-dissolve-ask = Пара { $mentor } — { $mentees }: расформировать её досрочно?
    Эта комбинация больше не будет предлагаться при подборе. Участники получат уведомление.
mon-btn-end-yes = ✅ Да, завершить
mon-btn-dissolve-yes = ✂ Да, расформировать
mon-ended = ✅ Пара завершена. { $n ->
    [0] Приглашений на итоговый опрос не отправлено.
    [one] Отправлено { $n } приглашение на итоговый опрос.
    [few] Отправлено { $n } приглашения на итоговый опрос.
   *[many] Отправлено { $n } приглашений на итоговый опрос.
}
mon-dissolved = ✂ Пара расформирована досрочно.
mon-pair-not-active = Эта пара уже не действует — ничего не изменилось.
mon-dissolved-notice = Куратор досрочно завершил работу вашей пары в программе «{ $programme }». Спасибо за участие! Если вам подберут новую пару, придёт приглашение.

## Подбор замены

mon-rematch-ask = 🔄 Подбор замены. Пара: { $mentor } — { $mentees }.
    Сначала пара будет расформирована досрочно: эта комбинация больше не будет предлагаться, участники получат уведомление. Затем я предложу подходящих наставников.
mon-btn-rematch-yes = ✂ Расформировать и подобрать замену
mon-rematch-title = 🔄 Подбор замены. Пара: { $mentor } — { $mentees }
mon-rematch-for = { $n ->
    [0] { $mentee }: подходящих наставников со свободными местами нет.
   *[other] Лучшие наставники (наставляемый — { $mentee }):
}
mon-rematch-line = • { $mentor } — совместимость { $percent } %
mon-rematch-taken = { $mentee } уже в новой паре.
mon-rematch-left = { $mentee } больше не участвует в программе.
mon-btn-pair-with = 🤝 { $mentor } + { $mentee } ({ $percent } %)
mon-btn-manual = ✍ Подобрать вручную

## Опросы

mon-launch-ask-start = Запустить стартовый опрос программы «{ $programme }»?
    Приглашение получат все участники программы (один раз).
mon-launch-ask-end = Запустить итоговый опрос программы «{ $programme }»?
    Приглашение с благодарностью получат участники действующих и завершённых пар (один раз).
mon-launch-ask-more = { $survey } программы «{ $programme }» уже запущен. Отправить приглашение тем, кто его ещё не получал? { $n ->
    [one] Это { $n } участник.
    [few] Это { $n } участника.
   *[many] Это { $n } участников.
}
mon-btn-launch-yes = ✅ Запустить
mon-launched = ✅ { $survey } запущен: { $n ->
    [one] отправлено { $n } приглашение
    [few] отправлено { $n } приглашения
   *[many] отправлено { $n } приглашений
}.
mon-launched-more = { $survey } уже был запущен: { $n ->
    [one] отправлено ещё { $n } приглашение
    [few] отправлено ещё { $n } приглашения
   *[many] отправлено ещё { $n } приглашений
} тем, кто его ещё не получал.
mon-launch-already = { $survey } уже запущен: приглашения повторно не отправляются.
mon-launch-closed = { $survey } закрыт: запустить его снова нельзя.

## Завершение программы

mon-finish-ask = Завершить программу «{ $programme }»?
    { $n ->
        [0] Действующих пар нет.
        [one] { $n } действующая пара будет завершена.
        [few] { $n } действующие пары будут завершены.
       *[many] { $n } действующих пар будут завершены.
    } Неутверждённые предложения будут отозваны, участникам придёт итоговый опрос с благодарностью. Отменить это нельзя.
mon-btn-finish-yes = 🏁 Да, завершить программу
mon-finished = 🏁 Программа завершена. Завершено пар: { $pairs }. Приглашений на итоговый опрос: { $n }.
mon-programme-finished-already = Программа уже завершена — ничего не изменилось.
