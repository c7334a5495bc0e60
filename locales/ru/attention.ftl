## «Требует внимания»: одна сводка куратору вместо пачки сообщений (domain/attention.py, handlers/attention.py)

att-summary =
    🔔 Требует внимания: { $n }

    { $body }
att-summary-generic = 🔔 Появилось то, что требует вашего внимания: { $n }. Откройте список: /curator
att-btn-list = 📋 Всё, что требует внимания
att-btn-item = { $label }
att-btn-open = Открыть
att-more = … и ещё { $n }

# Группы: заголовок в сводке и кнопка группы, когда пунктов много
att-group-risk = ⚠️ Пары в зоне риска: { $n }
att-group-fit = 💬 «Пара не сложилась»: { $n }
att-group-declined = ↩️ Отказы от предложенных пар: { $n }
att-group-silent = ⏰ Не ответили на предложение пары: { $n }
att-group-withdrawn = ✂️ Снятые пары: { $n }
att-group-consent = ✍️ Ждут согласия родителей: { $n ->
    [one] { $n } организация
    [few] { $n } организации
   *[many] { $n } организаций
}
att-group-practice = 💡 Практики ждут одобрения: { $n }
att-group-deadline = 📅 Сроки дорожной карты: { $n }
att-group-below = 🔻 Просрочено уровнем ниже: { $n }
att-group-started = 🎉 Пары начали работу: { $n }
att-group-joined = 🆕 Новые регистрации: { $n ->
    [one] { $n } сводка
    [few] { $n } сводки
   *[many] { $n } сводок
}
att-group-other = 🔔 Другое: { $n }

# Строки сводки: att-line-<ключ полного сообщения>, с теми же переменными
att-line-risk-no-meeting = { $mentor } — { $mentees } («{ $programme }»): нет встреч { $days } { $days ->
        [one] день
        [few] дня
       *[other] дней
    }
att-line-risk-low-rating = { $mentor } — { $mentees } («{ $programme }»): оценка { $score } из 10 в опросе
att-line-risk-fit-declined = { $mentor } — { $mentees } («{ $programme }»): { $who } — «{ $reason }»
att-line-risk-unreachable = { $mentor } — { $mentees } («{ $programme }»): { $who } заблокировал(а) бота
att-line-risk-low-rating-person = { $who } («{ $programme }»): оценка { $score } из 10 в { $survey ->
        [start] стартовом
       *[end] итоговом
    } опросе
att-line-pair-active-notice = { $mentor } — { $mentees } («{ $programme }»)
att-line-pair-declined-notice = { $who } отказывается от пары с: { $others } («{ $programme }»)
att-line-pair-unanswered-notice = { $mentor } — { $mentees } («{ $programme }»): не ответили { $silent }
att-line-pair-withdrawn-notice = { $mentor } — { $mentees } («{ $programme }»)
att-line-digest-new-registrations = { $unit }: { $total } (наставников: { $mentors }, наставляемых: { $mentees })
att-line-att-consent-notice = { $unit }: { $n }
att-line-bk-notice-submitted = «{ $title }» ({ $unit })
att-line-rm-remind-d7 = «{ $title }» ({ $unit }): срок { $date }, через неделю
att-line-rm-remind-d3 = «{ $title }» ({ $unit }): срок { $date }, через 3 дня
att-line-rm-remind-d1 = «{ $title }» ({ $unit }): срок завтра, { $date }
att-line-rm-remind-missed = «{ $title }» ({ $unit }): срок истёк { $date }
att-line-rm-remind-up = «{ $title }» ({ $unit }): срок истёк { $date }

att-consent-notice = ✍️ { $unit }: подтверждения согласия родителей { $n ->
    [one] ждёт { $n } участник
    [few] ждут { $n } участника
   *[many] ждут { $n } участников
}.

# Удаление данных участником (domain/erasure.py)
att-group-erased = 🗑 Пары, где участник удалил свои данные: { $n }
att-line-pair-erased-curator-ended = «{ $programme }»: { $who ->
        [mentor] наставник удалил свои данные{ $n ->
            [0] {""}
           *[other] , нужен новый наставник: { $mentees }
        }
       *[mentee] наставляемый удалил свои данные{ $has_mentor ->
            [yes] , у наставника освободилось место: { $mentor }
           *[no] {""}
        }
    }
att-line-pair-erased-curator-left = «{ $programme }»: группа (наставник — { $mentor }) продолжает работу без одного наставляемого

# Список в /curator
att-title = 🔔 Требует внимания: { $n }
att-empty = ✅ Сейчас ничего не требует вашего внимания.
att-list-hint = Нажмите на пункт, чтобы открыть его; ✓ — убрать из списка.
att-btn-dismiss = ✓ Убрать
att-btn-read-all = ✓ Убрать всё, что для сведения
att-btn-all = 📋 Весь список ({ $n })
att-btn-back = ‹ Меню куратора
att-dismissed = Убрано из списка.
att-read-all-done = Убрано из списка: { $n }.
att-resolved = Это уже не требует вашего внимания.

# Пары в зоне риска по всему подразделению
att-btn-unit-risk = ⚠️ Пары в зоне риска
att-risk-title = ⚠️ Пары в зоне риска: { $unit }
att-risk-found = Пар в зоне риска: { $n }. Нажмите на пару, чтобы открыть её.
att-risk-none = ✅ Пар в зоне риска нет.
att-risk-line = { $n }. { $mentor } — { $mentees } («{ $programme }»): { $reasons }
att-risk-btn-pair = { $n }. { $mentor } — { $mentees }
