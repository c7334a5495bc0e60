## Сообщения, которые бот не смог подтвердить после сбоя (администраторам, domain/unconfirmed.py)

outbox-unconfirmed = ⚠️ Работа бота прервалась во время отправки, и неизвестно, { $count ->
        [one] дошло ли { $count } сообщение
        [few] дошли ли { $count } сообщения
       *[many] дошли ли { $count } сообщений
    }. Повторной отправки не было, чтобы никто не получил одно и то же дважды. При необходимости свяжитесь с получателями:
outbox-unconfirmed-line = • { $what } — { $who }
outbox-unconfirmed-more = …и ещё { $count }
outbox-who = { $name } ({ $roles })
outbox-who-unnamed = без имени (Telegram id { $tg })
outbox-who-erased = участник, удаливший свои данные
outbox-who-chat = чат { $chat }
outbox-role-mentor = наставник, { $org }
outbox-role-mentee = наставляемый, { $org }
outbox-role-curator = куратор, { $unit }

## Виды сообщений

outbox-kind-checkin = вопрос «Встречались ли вы?»
outbox-kind-survey-invite = приглашение пройти опрос
outbox-kind-pair-reminder = напоминание ответить на предложение пары
outbox-kind-roadmap = напоминание о сроке пункта дорожной карты
outbox-kind-digest = сводка новых регистраций
outbox-kind-risk-alert = предупреждение о паре в зоне риска
outbox-kind-roadmap_up = сообщение о просроченном пункте дорожной карты уровнем ниже
outbox-kind-outbox-unconfirmed = сообщение о неподтверждённых отправках
outbox-kind-attention = сводка «Требует внимания»
outbox-kind-pair-card = предложение наставнической пары
outbox-kind-pair-active = уведомление о том, что пара начала работу
outbox-kind-pair-goals-prompt = сообщение о начале работы пары с просьбой записать цели
outbox-kind-pair-declined = уведомление об отказе от пары
outbox-kind-pair-unanswered = уведомление о предложении пары, оставшемся без ответа
outbox-kind-pair-withdrawn = уведомление о снятой паре (участник выбыл)
outbox-kind-pair-cancelled = сообщение о том, что предложенная пара не состоится
outbox-kind-pair-dissolved = сообщение о досрочном завершении пары
outbox-kind-practice_submitted = уведомление о практике, ожидающей одобрения
outbox-kind-practice_approved = сообщение об одобрении практики
outbox-kind-practice_rejected = сообщение об отклонении практики
outbox-kind-consent-confirmed = сообщение о подтверждении согласия родителей
outbox-kind-pair-card-closed = исправление карточки предложения пары, которое больше не действует
outbox-kind-pair-erased = сообщение о завершении пары после удаления данных участником
outbox-kind-pair-erased-curator = уведомление куратору о паре, завершённой после удаления данных участником
outbox-kind-consent-undone = поправка об отменённом подтверждении согласия родителей
outbox-kind-export-interrupted = сообщение о прерванной подготовке отчёта
outbox-kind-reply = ответ бота на действие пользователя, отложенный из-за ограничений Telegram
outbox-kind-reply-edit = обновление сообщения бота, отложенное из-за ограничений Telegram
outbox-kind-other = сообщение
