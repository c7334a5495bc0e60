## Пары и группы: подбор, решения куратора, ответы участников

pair-title = 🤝 Пары и группы программы «{ $programme }»
pair-counts = Предложено: { $proposed } · ждут ответа участников: { $approved } · действуют: { $active } · участники отказались: { $declined } · отклонено куратором: { $rejected }
pair-last-run = Последний подбор { $date }: { $pairs ->
    [one] { $pairs } пара
    [few] { $pairs } пары
   *[many] { $pairs } пар
}, { $groups ->
    [one] { $groups } группа
    [few] { $groups } группы
   *[many] { $groups } групп
}.
pair-run-running-now = ⏳ Подбор пар идёт прямо сейчас.
pair-btn-propose = 🔍 Подобрать пары
pair-btn-proposals = 📋 Предложения ({ $n })
pair-btn-approve-all = ✅ Утвердить все
pair-btn-manual = ✍ Пара вручную
pair-btn-active = 👥 Действующие ({ $n })
pair-btn-xlsx = 📥 Приложение к приказу (XLSX)
pair-btn-programme = ⬅ К программе
pair-btn-back = ⬅ К парам
pair-btn-no = Нет
pair-btn-open = 🤝 Открыть пары программы

## Подбор

pair-running-alert = Подбираю пары…
pair-running = ⏳ Подбираю пары… { $percent } %
pair-summary-title = ✅ Подбор закончен: «{ $programme }»
pair-summary-counts = Предложено: { $pairs ->
    [one] { $pairs } пара
    [few] { $pairs } пары
   *[many] { $pairs } пар
} и { $groups ->
    [one] { $groups } группа
    [few] { $groups } группы
   *[many] { $groups } групп
} (наставляемых в них: { $mentees }).
pair-summary-average = Средняя совместимость: { $percent } %.
pair-summary-kept = Утверждённые раньше пары сохранены: { $n }.
pair-summary-unmatched = Без пары { $n ->
    [one] остался { $n } наставляемый
    [few] остались { $n } наставляемых
   *[many] осталось { $n } наставляемых
}:
pair-why-no-eligible-mentor = • нет подходящего наставника ({ $n }): { $names }
pair-why-capacity = • у подходящих наставников заняты все места ({ $n }): { $names }
pair-why-no-consent = • ещё нет согласия родителей ({ $n }): { $names }
pair-why-other = • по другим причинам ({ $n }): { $names }
pair-summary-nothing = Новых предложений нет: все уже в парах или подобрать некого.
pair-summary-free-mentors = Наставники без наставляемых ({ $n }): { $names }
pair-summary-skipped = Пока шёл подбор, что-то изменилось — отброшено предложений: { $n }.
pair-and-more = { " " }и ещё { $n }
pair-btn-review = 📋 Просмотреть предложения

## Предложения

pair-no-proposals = Открытых предложений нет. Нажмите «Подобрать пары».
pair-proposal-title = Предложение { $n } из { $total } · совместимость { $percent } %
pair-proposal-mentor = Наставник: { $person }
pair-proposal-mentee = Наставляемый: { $person } — { $percent } %
pair-person = { $name } ({ $details })
pair-reason-line = • { $text }
pair-reasons-none = • подходит по правилам формы, общего немного
pair-btn-approve = ✅ Утвердить
pair-btn-reject = ❌ Отклонить
pair-approved = Пара утверждена, участникам отправлены приглашения.
pair-rejected = Предложение отклонено и больше предлагаться не будет.
pair-approve-all-ask = Утвердить все предложения ({ $n })? Каждому участнику придёт приглашение с кнопками «Согласен» и «Отказаться».
pair-btn-approve-all-yes = ✅ Да, утвердить все
pair-approved-all = Утверждено: { $n }. { $skipped ->
    [0] Участникам отправлены приглашения.
   *[other] Пропущено (кто-то уже занят или выбыл): { $skipped }.
}

## Причины совместимости

pair-reason-interests = общие интересы: { $items }
pair-reason-goals = наставник силён в том, что нужно: { $items }
pair-reason-times = совпадает время: { $items }
pair-reason-format = подходящий формат встреч: { $items }
pair-reason-preference = выбор участника: { $items }
pair-reason-mutual = взаимный выбор: { $items }
pair-reason-role-model = ролевая модель: { $items }
pair-slot = { $day } — { $time }
pair-named-by = { $side ->
    [mentor] наставник назвал наставляемого
   *[mentee] наставляемый назвал наставника
} ({ $rank }-й выбор)

## Пара вручную

pair-pick-mentor = ✍ Пара вручную, «{ $programme }». Выберите наставника — здесь те, у кого есть свободное место (в скобках — занято мест из доступных):
pair-pick-mentor-for = ✍ Пара вручную, «{ $programme }». Выберите наставника для: { $mentee }. Здесь те, у кого есть свободное место (в скобках — занято мест из доступных) и с кем пару не отклоняли:
pair-pick-full = Без свободных мест, поэтому не показаны: { $n ->
    [one] { $n } наставник
    [few] { $n } наставника
   *[many] { $n } наставников
}.
pair-pick-mentor-button = { $name } ({ $used }/{ $capacity })
pair-pick-mentee = Наставник: { $mentor } ({ $used }/{ $capacity }). Выберите наставляемого — здесь те, у кого ещё нет пары:
pair-pick-no-consent = { $name } (ждёт согласия родителей)
pair-pick-empty = Выбрать некого.
pair-made = Пара составлена: { $mentor } и { $mentee }. Участникам отправлены приглашения.

## Действующие пары и приложение к приказу

pair-active-title = Действующие пары и группы программы «{ $programme }»: { $n }
pair-active-line = { $n }. { $mentor } — { $mentees } (с { $date })
pair-xlsx-empty = Действующих пар пока нет — выгружать нечего.
pair-xlsx-caption = Приложение к приказу о закреплении наставнических пар (групп): «{ $programme }», { $n ->
    [one] { $n } строка
    [few] { $n } строки
   *[many] { $n } строк
}.
pair-xlsx-sheet = Пары
pair-xlsx-title = Список наставнических пар (групп), закрепляемых приказом руководителя
pair-xlsx-organisation = Организация: { $name }
pair-xlsx-programme = Программа наставничества: { $name }
pair-xlsx-col-n = №
pair-xlsx-col-mentor = ФИО наставника
pair-xlsx-col-mentee = ФИО наставляемого
pair-xlsx-col-form = Форма наставничества
pair-xlsx-col-role-model = Ролевая модель
pair-xlsx-col-date = Дата закрепления

## Приглашения участникам

pair-btn-accept = ✅ Согласен(на)
pair-btn-decline = ❌ Отказаться
pair-card-for-mentee =
    🤝 Программа наставничества «{ $programme }»: куратор предлагает вам наставника.

    Наставник: { $name } ({ $details })
    Что у вас общего: { $shared }
    { $group ->
        [0] Вы будете заниматься один на один.
       *[other] Это группа, с вами также: { $others }.
    }

    Вы согласны работать вместе? Ваш ответ увидит куратор.
pair-card-for-mentor =
    🤝 Программа наставничества «{ $programme }»: куратор предлагает вам { $n ->
        [1] наставляемого
       *[other] группу наставляемых ({ $n })
    }:

    { $mentees }

    Вы согласны стать наставником? Ваш ответ увидит куратор.
pair-card-mentee-line = • { $name } ({ $details }). Общее: { $shared }
pair-shared-none = подходит по правилам формы наставничества
pair-reminder =
    ⏰ Напоминание: вы ещё не ответили на приглашение.

    { $card }{ $card_rest }
pair-you-accepted = ✅ Вы согласились. Пара начнёт работу, когда согласятся все.
pair-you-accepted-active = ✅ Вы согласились, и все согласны — пара начала работу! Куратор знает.
pair-you-declined = Вы отказались. Куратор получил ваш ответ и подберёт другой вариант.
pair-ask-reason = Почему вы отказываетесь? Напишите причину одним сообщением — её увидит только куратор. Или нажмите «Отказаться без причины».
pair-btn-skip-reason = Отказаться без причины
pair-btn-keep = Не отказываться
pair-decline-cancelled = Хорошо, приглашение в силе: ответьте кнопками под ним, когда решите.
pair-reason-expected = Напишите причину текстом или нажмите «Отказаться без причины».
pair-cancelled-notice = Пара, которую вам предложили в программе «{ $programme }»{ $partner_role ->
        [mentor] { " " }(ваш наставник — { $partner })
        [mentee] { " " }(ваш наставляемый — { $partner })
        [mentees] { " " }(ваши наставляемые — { $partner })
       *[none] {""}
    }, не состоится: { $why ->
        [left] кто-то из участников выбыл из программы. Куратор подберёт вам новый вариант.
        [finished] программа завершена.
        [erased] { $erased_role ->
            [mentor] ваш наставник удалил свои данные из бота.
            [mentee] ваш наставляемый удалил свои данные из бота.
           *[co-mentee] другой наставляемый группы удалил свои данные из бота.
        } Куратор подберёт вам новый вариант.
       *[declined] кто-то из участников отказался. Куратор подберёт вам новый вариант.
    }
pair-card-cancelled =
    🚫 Это приглашение больше не действует — отвечать на него не нужно.

    Пара, которую вам предлагали в программе «{ $programme }»{ $partner_role ->
        [mentor] { " " }(ваш наставник — { $partner })
        [mentee] { " " }(ваш наставляемый — { $partner })
        [mentees] { " " }(ваши наставляемые — { $partner })
       *[none] {""}
    }, не состоится.
pair-card-cancelled-erased =
    🚫 Это приглашение больше не действует — отвечать на него не нужно.

    Пара, которую вам предлагали в программе «{ $programme }»{ $partner_role ->
        [mentor] { " " }(ваш наставник — { $partner })
        [mentee] { " " }(ваш наставляемый — { $partner })
        [mentees] { " " }(ваши наставляемые — { $partner })
       *[none] {""}
    }, не состоится: { $erased_role ->
        [mentor] ваш наставник удалил свои данные из бота.
        [mentee] ваш наставляемый удалил свои данные из бота.
       *[co-mentee] другой наставляемый группы удалил свои данные из бота.
    }

## Сообщения куратору

pair-btn-make-suggested = ✍ { $n }. { $mentee } ← { $mentor }
pair-btn-manual-mentor-for = ✍ Подобрать наставника: { $name }
pair-btn-manual-mentee-for = ✍ Подобрать наставляемого: { $name }
pair-active-notice = 🎉 «{ $programme }»: все согласились — { $n ->
    [1] пара начала работу
   *[other] группа начала работу
}. Наставник: { $mentor }; { $n ->
    [1] наставляемый
   *[other] наставляемые
}: { $mentees }.
pair-declined-notice =
    «{ $programme }»: { $who } ({ $role ->
        [mentor] наставник
       *[mentee] наставляемый
    }) отказывается от пары с: { $others }.
    { $has_reason ->
        [yes] Причина: { $reason }
       *[no] Причина не указана.
    }
    { $mode ->
        [pairs] Можно составить вместо неё (наставляемый ← наставник, совместимость; кнопка с тем же номером составит пару):
    { $suggested }
       *[none] Подходящей замены со свободным местом сейчас нет — составьте пару вручную.
    }
pair-unanswered-notice = ⏰ «{ $programme }»: пара { $mentor } — { $mentees } утверждена { $days ->
    [one] { $days } день
    [few] { $days } дня
   *[many] { $days } дней
} назад, но до сих пор не ответили: { $silent }. Напоминание им уже отправлялось.
pair-withdrawn-notice = «{ $programme }»: пара { $mentor } — { $mentees } снята: кто-то из участников выбыл из программы или удалил свои данные.

## Ошибки

pair-err-no-mentors = В программе нет наставников — подбирать не из кого. Сначала добавьте наставников.
pair-err-no-mentees = В программе нет наставляемых — подбирать некого. Сначала добавьте наставляемых.
pair-err-run-in-progress = Подбор пар уже идёт. Дождитесь результата.
pair-err-run-failed = Подбор не удался из-за внутренней ошибки. Прежние предложения сохранены; попробуйте ещё раз.
pair-err-already-decided = По этому предложению уже приняли решение (возможно, другой куратор). Ничего не изменилось.
pair-err-member-left = Кто-то из этой пары выбыл из программы — предложение снято.
pair-err-mentee-taken = У наставляемого уже есть утверждённая пара — предложение снято.
pair-err-over-capacity = У наставника заняты все места ({ $capacity }).
pair-err-not-found = Не найдено или недоступно вам. Ничего не изменилось.
pair-err-no-consent = { $name }: ещё нет согласия родителей — пару составить нельзя.
pair-err-declined-before = Один из участников уже отказался от такой пары — выберите другую.
pair-err-not-eligible = Такая пара нарушает правила формы наставничества: { $rule ->
    [no_consent] нет согласия родителей
    [mentor_category] наставник этой категории не подходит для формы
    [mentee_category] наставляемый этой категории не подходит для формы
    [other_org] участники из разных организаций
    [mentor_age] наставнику-ученику должно быть от 15 до 18 лет
    [grade_gap] наставник-ученик должен быть хотя бы на 2 класса старше
   *[other] { $rule }
}.
pair-err-not-yours = Это приглашение не для вас или больше не действует.
pair-err-no-longer-valid = Это предложение больше не действует: его отменили или кто-то отказался. Куратор подберёт новый вариант.
pair-err-already-answered = Вы уже ответили: { $answer ->
    [accepted] вы согласились
   *[declined] вы отказались
}.
pair-err-stale = Эта кнопка устарела.

## Карточки участникам: обращаются к читающему на «вы», без рангов выбора

pair-card-chosen = { $who ->
    [you] { $reader ->
        [mentor] вы сами назвали этого наставляемого
       *[mentee] вы сами назвали этого наставника
    }
   *[partner] { $reader ->
        [mentor] этот наставляемый назвал вас
       *[mentee] этот наставник назвал вас
    }
}
pair-card-chosen-both = вы назвали друг друга
pair-card-reason-goals = { $reader ->
    [mentor] вы сильны в том, что нужно: { $items }
   *[mentee] наставник силён в том, что нужно вам: { $items }
}

## Снять утверждённую пару, на которую не отвечают

pair-counts-unanswered = ⏰ Без ответа и после напоминания: { $n }. Такую пару можно снять в «Ждут ответа».
pair-btn-waiting = ⏳ Ждут ответа ({ $n })
pair-waiting-title = ⏳ Утверждённые пары «{ $programme }», ждущие ответа участников: { $n }
pair-waiting-line = { $n }. { $mentor } — { $mentees } (утверждена { $date }){ $silent ->
    [yes] { " " }⏰ не отвечают после напоминания
   *[no] {""}
}
pair-btn-withdraw = ↩ Снять { $n }: { $mentor } — { $mentees }
pair-withdraw-ask = Пара { $mentor } — { $mentees }: снять её? Участникам придёт сообщение, что пара не состоится; место наставника освободится, а саму пару можно будет предложить снова.
pair-btn-withdraw-yes = ↩ Да, снять
pair-btn-waiting-back = ⬅ К ждущим ответа
pair-withdrawn-done = Пара снята, участникам сообщено.
pair-withdrawn-by-curator-notice = Пару, которую вам предложили в программе «{ $programme }»{ $partner_role ->
        [mentor] { " " }(ваш наставник — { $partner })
        [mentee] { " " }(ваш наставляемый — { $partner })
        [mentees] { " " }(ваши наставляемые — { $partner })
       *[none] {""}
    }, куратор снял — отвечать на приглашение больше не нужно. Куратор подберёт вам новый вариант.

## Веса подбора

pair-btn-weights = ⚖ Веса подбора
pair-weights-title = ⚖ Веса подбора пар «{ $programme }»
pair-weights-hint = Чем больше вес, тем важнее этот признак при подборе; 0 — не учитывать. Шаг 0,5, от 0 до 10. Новые веса действуют со следующего подбора.
pair-weight-line = { $name }: { $value }
pair-weight-interests = Общие интересы
pair-weight-goals = Цели и сильные стороны
pair-weight-availability = Совпадение времени
pair-weight-format = Формат встреч
pair-weight-preference = Выбор участника
pair-weight-mutual_preference = Взаимный выбор
pair-weight-role_model = Ролевая модель
pair-btn-weights-reset = ↺ Сбросить к стандартным
pair-weights-reset-done = Веса сброшены к стандартным.
pair-weights-saved = Сохранено: { $name } — { $value }.

pair-goals-prompt = Ваша пара в программе «{ $programme }» начала работу! Запишите свои цели — чего вы хотите добиться с наставником: /goals. По ним вы будете отмечать продвижение, а наставник увидит, с чем помочь.
