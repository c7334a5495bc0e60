## Показатели против целевых значений (handlers/kpi.py, domain/kpi.py)

kpi-title = 📊 Показатели: { $unit }
kpi-when-now = Сейчас (вовлечены в действующие пары и группы)
kpi-when-year = На 31 декабря { $year } г. (за год)
kpi-ind-mentees_11_18 = Обучающиеся 11–18 лет — наставляемые
kpi-ind-mentors_15_18 = Обучающиеся 15–18 лет — наставники
kpi-ind-young_teachers = Молодые педагоги — наставляемые
kpi-ind-students_any = Обучающиеся, вовлечённые в любой форме
kpi-ind-orgs_with_programme = Организации с программами наставничества
kpi-short-mentees_11_18 = Наставляемые 11–18
kpi-short-mentors_15_18 = Наставники 15–18
kpi-short-young_teachers = Молодые педагоги
kpi-short-students_any = Все обучающиеся
kpi-short-orgs_with_programme = Организации
kpi-line = { $mark } { $name }: { $share } % — { $num } из { $den }
kpi-target-line = ↳ цель { $target } % = { $count }, не хватает { $needed }
kpi-line-no-data = { $mark } { $name }: вовлечено { $num }, численность не внесена
kpi-missing = ℹ️ Не внесли численность на { $year } год: { $n ->
    [one] { $n } организация
    [few] { $n } организации
   *[many] { $n } организаций
}. Доли посчитаны по организациям, внёсшим данные.
kpi-children = Ниже цели — первыми ({ $n }):
kpi-child-button = { $mark } { $name } — { $share } %
kpi-btn-now = Сейчас
kpi-btn-charts = 📈 Графики
kpi-btn-survey-chart = 📋 Опросы: график
kpi-btn-enter = ✏️ Внести численность
kpi-btn-programmes = 📘 Программы
kpi-btn-targets = 🎯 Целевые значения
kpi-btn-up = ⬆ { $name }
kpi-btn-menu = ↩ Меню
kpi-btn-back = ↩ К показателям
kpi-btn-cancel = Отмена
kpi-cancelled = Отменено, ничего не изменилось.

## Графики

kpi-charts-title = 📈 Графики: { $unit }. Выберите показатель.
kpi-btn-chart-progress = 📈 { $name }: по годам
kpi-btn-chart-units = 📊 { $name }: сравнение
kpi-chart-wait = Готовлю график…
kpi-chart-caption = { $name } — { $unit }
kpi-chart-progress-title = { $name }: { $unit }
kpi-chart-units-title = { $name }: { $unit }
kpi-chart-y = Доля, %
kpi-chart-share = Доля
kpi-chart-target = Цель
kpi-chart-now = сейчас
kpi-chart-note = Показаны { $shown } из { $total } — с наименьшей долей.
kpi-survey-title = Результаты опросов (среднее по шкале 1–10): { $unit }
kpi-survey-x = Среднее
kpi-survey-empty = Завершённых опросов пока нет — графику не из чего строиться.
kpi-item-adaptation = Адаптация
kpi-item-clarity = Понятность задач
kpi-item-comfort = Комфорт общения
kpi-item-confidence = Уверенность в целях
kpi-item-engagement = Вовлечённость
kpi-item-expectations_met = Ожидания оправданы
kpi-item-growth = Рост
kpi-item-motivation = Мотивация
kpi-item-readiness = Готовность
kpi-item-satisfaction = Удовлетворённость
kpi-item-support = Поддержка
kpi-item-useful = Польза встреч

## Численность организации (знаменатели)

kpi-enter-title = ✏️ Численность: { $org }, { $year } год. Выберите, что внести:
kpi-field-students_total = Всего обучающихся
kpi-field-students_11_18 = Обучающихся 11–18 лет
kpi-field-students_15_18 = Обучающихся 15–18 лет
kpi-field-young_teachers = Молодых педагогов
kpi-field-line = • { $name }: { $value }
kpi-not-entered = не внесено
kpi-ask-count = Введите «{ $name }» на { $year } год — целое число, не меньше { $min }.
kpi-saved = ✅ Сохранено: { $name } на { $year } год — { $value }.
kpi-text-expected = Пришлите число текстом или нажмите «Отмена».
kpi-invalid-not-number = Это не число. Пришлите целое число, например 1250.
kpi-invalid-not-positive = Число должно быть больше нуля.
kpi-invalid-too-small = Слишком мало: в организации уже зарегистрировано { $min } таких участников. Введите не меньше { $min }.
kpi-invalid-too-large = Слишком большое число: не больше { $max }.
kpi-invalid-percent-range = Целевое значение — процент от 0 до 100.
kpi-invalid-field = Это поле нельзя изменить здесь.
kpi-invalid-indicator = Неизвестный показатель.
kpi-invalid-year = Этот год нельзя выбрать.

## Целевые значения региона

kpi-targets-title = 🎯 Целевые значения: { $region }, { $year } год. Выберите показатель, чтобы изменить:
kpi-targets-indicator = 🎯 { $name }: выберите год.
kpi-target-year-button = { $year }: { $percent } %
kpi-ask-percent = Введите целевое значение «{ $name }» на { $year } год — процент от 0 до 100.
kpi-target-saved = ✅ Цель «{ $name }» на { $year } год: { $percent } %.
