## Check-ins, meetings, fit question, goals, risk alerts (domain/checkins.py)

checkin-ask = Как идут занятия? Была ли у вас встреча после { $since }?
    Участники: { $partners }{ $count ->
        [1] {""}
       *[other] {""} (если встречались с кем-то из них, нажмите «Да» — потом выберете, с кем)
    }
checkin-btn-yes = Да, встречались
checkin-btn-no = Нет
checkin-btn-later = Напомнить позже

risk-no-meeting = ⚠️ «{ $programme }», пара { $mentor } — { $mentees }: нет встреч уже { $days } { $days ->
        [one] день
        [few] дня
       *[other] дней
    }.
risk-low-rating = ⚠️ «{ $programme }», пара { $mentor } — { $mentees }: в последнем опросе есть оценка { $score } из 10.
risk-fit-declined = ⚠️ «{ $programme }»: { $who } считает, что пара { $mentor } — { $mentees } не сложилась. Причина: { $reason }. Возможно, стоит подобрать замену.
risk-unreachable = ⚠️ «{ $programme }»: { $who } заблокировал(а) бота, и пара { $mentor } — { $mentees } не получает часть сообщений.
risk-btn-open = Открыть пару
risk-btn-rematch = Подобрать замену
risk-low-rating-person = ⚠️ «{ $programme }»: { $who } { $survey ->
        [start] в опросе на старте программы
       *[end] в итоговом опросе программы
    } поставил(а) оценку { $score } из 10. Пары участника: { $pairs }.
risk-btn-open-with = Открыть пару: { $partners }

meet-invalid-date-format = Не понимаю дату. Пришлите её в формате ДД.ММ.ГГГГ, например 05.10.2026, или словом: «сегодня», «вчера», «позавчера».
meet-invalid-date-future = Дата встречи не может быть в будущем.
meet-invalid-date-before-pair = Пара начала работу { $start }: встреча не может быть раньше.
meet-invalid-format = Выберите формат кнопкой: очно или онлайн.
meet-invalid-minutes = Укажите длительность в минутах: число от 1 до { $max }.
meet-invalid-topic-too-long = Тема слишком длинная: не больше { $max } символов.
meet-invalid-not-in-pair = Вы не участник этой пары.
meet-invalid-pair-not-active = Эта пара уже не работает.
meet-invalid-checkin-unknown = Этот вопрос не найден.
meet-invalid-checkin-expired = Этот вопрос устарел — мы спросим снова в следующий раз.
meet-invalid-checkin-answered = Вы уже ответили на этот вопрос.
meet-invalid-answer = Не понимаю ответ. Нажмите одну из кнопок.
meet-invalid-snooze-limit = Отложить можно не больше { $max } раз. Ответьте, пожалуйста, «Да» или «Нет».
meet-invalid-pairs-ended = Ваша пара уже завершила работу.
meet-invalid-fit-too-early = Сначала отметьте первую встречу.
meet-invalid-fit-answered = Вы уже ответили на этот вопрос.
meet-invalid-reason-too-long = Слишком длинно: не больше { $max } символов.
meet-invalid-not-mentee = Цели ставит наставляемый.
meet-invalid-goal-empty = Напишите цель текстом.
meet-invalid-goal-too-long = Цель слишком длинная: не больше { $max } символов.
meet-invalid-goals-too-many = Открытых целей может быть не больше { $max }. Отметьте выполненные.
meet-invalid-goal-unknown = Цель не найдена.
meet-invalid-progress = Прогресс — число от 0 до 100.

## The participants' screens (handlers/meetings.py): check-in answers, the meeting log, the fit question

meet-checkin-no = Спасибо, что ответили! Когда встретитесь, отметьте встречу командой /meetings. Цели и прогресс по ним: /goals.
meet-checkin-later = Хорошо, напомню завтра. Отметить встречу можно и раньше: /meetings.
meet-pick-pair = С кем была встреча? Выберите. Если встреч было несколько, отметьте каждую — эти кнопки останутся.
meet-pick-pair-in = { $partners } («{ $programme }»)
meet-ask-date = Отметим встречу. Участники: { $partners }. Когда она была?
meet-ask-date-text = Напишите дату встречи в формате ДД.ММ.ГГГГ, например 05.10.2026.
meet-btn-today = Сегодня
meet-btn-yesterday = Вчера
meet-btn-other-date = Другая дата
meet-ask-format = Встреча была очно или онлайн?
meet-format-offline = Очно
meet-format-online = Онлайн
meet-ask-minutes = Сколько примерно она длилась? Нажмите кнопку или напишите число минут (до { $max }).
meet-minutes = { $n } мин
meet-ask-topic = О чём говорили? Напишите тему одним сообщением (до { $max } символов) или нажмите «Без темы».
meet-btn-no-topic = Без темы
meet-use-buttons = Пожалуйста, ответьте кнопкой под вопросом.
meet-send-text = Пожалуйста, ответьте текстовым сообщением.
meet-stale = Эта кнопка устарела: ответьте на последний вопрос.
meet-bad-button = Эта кнопка не работает. Откройте меню заново: /meetings.
meet-logged = ✅ Встреча отмечена.
    Дата: { $date }
    Формат: { $format }
    Длительность: { $minutes } мин
    Тема: { $topic }
meet-logged-already = Встреча { $date } уже отмечена — спасибо!
meet-goals-hint-mentee = Ваши цели и прогресс по ним — /goals.
meet-goals-hint-mentor = Цели ваших наставляемых и их прогресс — /goals.

meet-fit-ask = После первой встречи: вам подходит эта пара? Участники: { $partners }
meet-fit-btn-yes = Да, всё хорошо
meet-fit-btn-no = Нет, не подходит
meet-fit-btn-no-reason = Без объяснения
meet-fit-ask-reason = Жаль! Расскажите коротко, что не так (до { $max } символов) — это увидит только куратор. Или нажмите «Без объяснения».
meet-fit-thanks-yes = Отлично, спасибо! Удачных встреч.
meet-fit-thanks-no = Спасибо за честность. Куратор получил ваш ответ и предложит, что делать дальше.

meet-list-title = 📅 Ваши встречи
meet-no-pairs = У вас пока нет работающих пар. Когда куратор сформирует пару и вы оба согласитесь, здесь появятся ваши встречи.
meet-list-pair = 👥 { $partners } — пара с { $start }, { $count ->
        [0] встреч пока нет
        [one] { $count } встреча
        [few] { $count } встречи
       *[many] { $count } встреч
    }
meet-list-meeting = • { $date }: { $format }, { $minutes } мин
meet-list-hint-mentee = Ваши цели и прогресс: /goals.
meet-list-hint-mentor = Цели ваших наставляемых: /goals.
meet-btn-log = 📝 Отметить встречу: { $partners }
meet-btn-survey = ⭐ Оценить встречу { $date }
meet-btn-fit = Подходит ли пара: { $partners }?

## Goals (handlers/meetings.py, /goals)

goal-title = 🎯 Цели
goal-no-pairs = Цели ставятся в работающей паре. Когда ваша пара начнёт работу, здесь можно будет записать цели и отмечать прогресс.
goal-pair-mentee = Наставник: { $partners }
goal-pair-mentor = Наставляемые: { $partners }
goal-none-mentee = Целей пока нет. Запишите, чего хотите добиться, — так наставнику будет проще помочь.
goal-none-mentor = Наставляемые ещё не записали цели.
goal-line = { $mark } { $n }. { $text } — { $progress }%
goal-line-of = { $mark } { $n }. { $name }: { $text } — { $progress }%
goal-btn-open = ✏️ { $n }. { $text }
goal-btn-add = ➕ Добавить цель
goal-btn-add-with = ➕ Добавить цель ({ $partners })
goal-ask-text = Напишите цель одним сообщением (до { $max } символов), например: «Подготовиться к олимпиаде по математике».
goal-added = Цель записана. Отмечайте прогресс по ней, когда что-то получится.
goal-card = 🎯 { $text }
    Прогресс: { $progress }%
goal-history = Отметки прогресса:
goal-history-line = • { $date }: { $progress }%
goal-percent = { $n }%
goal-btn-done = ✅ Цель достигнута (100%)
goal-btn-back = ← К списку целей
goal-saved = Прогресс сохранён: { $progress }%.
goal-achieved = 🎉 Цель достигнута! Поздравляем.
