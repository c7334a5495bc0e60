## Surveys (domain/surveys.py, domain/data/surveys/*.json)

sv-title-meeting = Отзыв о встрече
sv-title-start = Перед началом программы: ваши ожидания
sv-title-end = Программа завершается: ваш отзыв

sv-q-meeting-useful = Насколько полезной была для вас эта встреча?
sv-q-meeting-useful-mentor = Насколько полезной, по-вашему, была встреча для наставляемого?
sv-q-comfort-mentee = Насколько комфортно вам общаться с наставником?
sv-q-comfort-mentor = Насколько комфортно вам общаться с наставляемым (наставляемыми)?
sv-q-clarity = Насколько понятны ваши задачи и следующие шаги?
sv-q-clarity-mentor = Насколько понятны были цели программы и ваша роль наставника?
sv-q-engagement = Насколько вовлечённым был наставляемый на встрече?
sv-q-next-planned = Вы договорились о следующей встрече?
sv-q-comment = Хотите что-то добавить? (необязательно)
sv-q-expectations-mentee = Чего вы ждёте от наставничества? Выберите до трёх вариантов.
sv-q-expectations-mentor = Чего вы ждёте от роли наставника? Выберите до трёх вариантов.
sv-q-motivation-mentee = Насколько вы сейчас мотивированы учиться и развиваться?
sv-q-motivation-mentor = Насколько вы мотивированы быть наставником?
sv-q-confidence = Насколько вы уверены, что достигнете своих целей?
sv-q-readiness = Насколько вы готовы к роли наставника?
sv-q-frequency-wish = Как часто вы хотели бы встречаться?
sv-q-worries = Есть ли что-то, что вас беспокоит? (необязательно)
sv-q-support-needed = Какая помощь куратора вам нужна? (необязательно)
sv-q-satisfaction = Насколько вы в целом довольны участием в программе?
sv-q-expectations-met = Насколько программа оправдала ваши ожидания?
sv-q-useful = Насколько полезными были встречи с наставником?
sv-q-useful-mentor = Насколько полезными, по-вашему, были встречи для наставляемого?
sv-q-support-mentee = Насколько вы чувствовали поддержку наставника?
sv-q-support-mentor = Насколько вы чувствовали поддержку куратора?
sv-q-growth = Насколько вы выросли за время программы (знания, умения, уверенность)?
sv-q-growth-mentor = Насколько вы выросли как наставник?
sv-q-adaptation = Насколько вы освоились в школе и в профессии?
sv-q-frequency-actual = Как часто вы на самом деле встречались?
sv-q-frequency-fit = Этого было достаточно?
sv-q-continue-mentee = Хотели бы вы продолжить занятия с наставником?
sv-q-continue-mentor = Хотели бы вы снова стать наставником?
sv-q-become-mentor = Хотели бы вы сами стать наставником?
sv-q-become-mentor-teacher = Хотели бы вы со временем сами стать наставником молодого педагога?
sv-q-best = Что было самым ценным? (необязательно)
sv-q-improve = Что стоит улучшить? (необязательно)

sv-opt-exp-studies = Помощь с учёбой
sv-opt-exp-exams = Подготовка к экзаменам и олимпиадам
sv-opt-exp-career = Выбор профессии
sv-opt-exp-project = Работа над проектом
sv-opt-exp-confidence = Уверенность в себе
sv-opt-exp-adaptation = Освоиться на новом месте
sv-opt-exp-interests = Новые увлечения
sv-opt-exp-other = Другое
sv-opt-mexp-share = Поделиться опытом
sv-opt-mexp-skills = Развить свои навыки
sv-opt-mexp-help = Помочь другому вырасти
sv-opt-mexp-recognition = Признание и профессиональный рост
sv-opt-mexp-network = Новые знакомства
sv-opt-mexp-other = Другое
sv-opt-freq-weekly = Раз в неделю
sv-opt-freq-biweekly = Раз в две недели
sv-opt-freq-monthly = Раз в месяц
sv-opt-freq-rarely = Реже
sv-opt-ffit-rare = Слишком редко
sv-opt-ffit-right = В самый раз
sv-opt-ffit-often = Слишком часто

sv-invite-meeting = { $who } отметил(а) вашу встречу { $date }. Оцените её, пожалуйста: это займёт минуту.
sv-invite-start = Программа «{ $programme }» начинается. Расскажите о своих ожиданиях — это займёт пару минут.
sv-invite-end = Спасибо за участие в программе «{ $programme }»! Ответьте, пожалуйста, на несколько итоговых вопросов.
sv-btn-start = Ответить на вопросы

sv-scale-hint = 1 — совсем нет, 10 — полностью
sv-progress = Вопрос { $n } из { $total }
sv-yes = Да
sv-no = Нет
sv-skip = Пропустить
sv-done = Готово
sv-text-hint = Напишите ответ сообщением (до { $max } символов).
sv-thanks = Спасибо! Ответы сохранены.
sv-resume = Продолжим с того места, где вы остановились.

sv-invalid-scale-format = Нужно число от { $min } до { $max }: нажмите кнопку или пришлите число.
sv-invalid-scale-range = Число должно быть от { $min } до { $max }.
sv-invalid-option-unknown = Такого варианта нет. Выберите один из предложенных.
sv-invalid-choice-empty = Выберите хотя бы один вариант.
sv-invalid-choice-too-many = Можно выбрать не больше { $max }.
sv-invalid-yesno = Ответьте «Да» или «Нет» кнопкой.
sv-invalid-text-empty = Пустой ответ. Напишите текст или пропустите вопрос.
sv-invalid-text-too-long = Слишком длинно: не больше { $max } символов.
sv-invalid-required = Этот вопрос нельзя пропустить.
sv-invalid-stale = Эта кнопка от прежнего вопроса. Ответьте, пожалуйста, на текущий.
sv-invalid-closed = Этот опрос уже закрыт.
sv-invalid-done = Вы уже ответили на этот опрос. Спасибо!
sv-invalid-not-open = Этот опрос ещё не открыт.
sv-invalid-not-yours = Этот опрос не для вас.
sv-invalid-consent = Опросы станут доступны, когда куратор подтвердит согласие родителя или законного представителя.
sv-invalid-unknown = Опрос не найден.
sv-invalid-occasion = Опрос не найден.

## The survey screens (handlers/meetings.py)

sv-multi-hint = Выберите до { $max } { $max ->
        [one] варианта
       *[other] вариантов
    } и нажмите «Готово».
sv-use-buttons = Пожалуйста, ответьте кнопкой под вопросом.
sv-send-text = Пожалуйста, ответьте текстовым сообщением или пропустите вопрос.
