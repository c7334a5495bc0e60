## KPIs against the targets (handlers/kpi.py, domain/kpi.py)

kpi-title = 📊 KPIs: { $unit }
kpi-when-now = Now (members of active pairs and groups)
kpi-when-year = As of 31 December { $year } (over the year)
kpi-ind-mentees_11_18 = Students aged 11–18 as mentees
kpi-ind-mentors_15_18 = Students aged 15–18 as mentors
kpi-ind-young_teachers = Young teachers as mentees
kpi-ind-students_any = Students involved in any form
kpi-ind-orgs_with_programme = Organisations running mentoring programmes
kpi-short-mentees_11_18 = Mentees 11–18
kpi-short-mentors_15_18 = Mentors 15–18
kpi-short-young_teachers = Young teachers
kpi-short-students_any = All students
kpi-short-orgs_with_programme = Organisations
kpi-line = { $mark } { $name }: { $share }% — { $num } of { $den }
kpi-target-line = ↳ target { $target }% = { $count }, { $needed } missing
kpi-line-no-data = { $mark } { $name }: { $num } involved, numbers not entered
kpi-missing = ℹ️ Numbers for { $year } not entered by { $n ->
    [one] { $n } organisation
   *[other] { $n } organisations
}. Shares cover the organisations that entered them.
kpi-children = Below target first ({ $n }):
kpi-child-button = { $mark } { $name } — { $share }%
kpi-btn-now = Now
kpi-btn-charts = 📈 Charts
kpi-btn-survey-chart = 📋 Survey chart
kpi-btn-enter = ✏️ Enter numbers
kpi-btn-programmes = 📘 Programmes
kpi-btn-targets = 🎯 Targets
kpi-btn-up = ⬆ { $name }
kpi-btn-menu = ↩ Menu
kpi-btn-back = ↩ Back to KPIs
kpi-btn-cancel = Cancel
kpi-cancelled = Cancelled, nothing changed.

## Charts

kpi-charts-title = 📈 Charts: { $unit }. Choose an indicator.
kpi-btn-chart-progress = 📈 { $name }: by year
kpi-btn-chart-units = 📊 { $name }: compared
kpi-chart-wait = Drawing the chart…
kpi-chart-caption = { $name } — { $unit }
kpi-chart-progress-title = { $name }: { $unit }
kpi-chart-units-title = { $name }: { $unit }
kpi-chart-y = Share, %
kpi-chart-share = Share
kpi-chart-target = Target
kpi-chart-now = now
kpi-chart-note = Showing { $shown } of { $total }, lowest shares first.
kpi-survey-title = Survey results (average on the 1–10 scale): { $unit }
kpi-survey-x = Average
kpi-survey-empty = No completed surveys yet: nothing to chart.
kpi-item-adaptation = Adaptation
kpi-item-clarity = Clear tasks
kpi-item-comfort = Comfort
kpi-item-confidence = Confidence
kpi-item-engagement = Engagement
kpi-item-expectations_met = Expectations met
kpi-item-growth = Growth
kpi-item-motivation = Motivation
kpi-item-readiness = Readiness
kpi-item-satisfaction = Satisfaction
kpi-item-support = Support
kpi-item-useful = Useful meetings

## An organisation's numbers (denominators)

kpi-enter-title = ✏️ Numbers: { $org }, { $year }. Choose what to enter:
kpi-field-students_total = Students in total
kpi-field-students_11_18 = Students aged 11–18
kpi-field-students_15_18 = Students aged 15–18
kpi-field-young_teachers = Young teachers
kpi-field-line = • { $name }: { $value }
kpi-not-entered = not entered
kpi-ask-count = Enter “{ $name }” for { $year }: a whole number, at least { $min }.
kpi-saved = ✅ Saved: { $name } for { $year }: { $value }.
kpi-text-expected = Send the number as text, or press “Cancel”.
kpi-invalid-not-number = That is not a number. Send a whole number, e.g. 1250.
kpi-invalid-not-positive = The number must be greater than zero.
kpi-invalid-too-small = Too small: { $min } such participants are already registered in the organisation. Enter at least { $min }.
kpi-invalid-too-large = Too large: at most { $max }.
kpi-invalid-percent-range = A target is a percentage from 0 to 100.
kpi-invalid-field = This cannot be changed here.
kpi-invalid-indicator = Unknown indicator.
kpi-invalid-year = This year cannot be chosen.

## A region's targets

kpi-targets-title = 🎯 Targets: { $region }, { $year }. Choose an indicator to change:
kpi-targets-indicator = 🎯 { $name }: choose the year.
kpi-target-year-button = { $year }: { $percent }%
kpi-ask-percent = Enter the target for “{ $name }” in { $year }: a percentage from 0 to 100.
kpi-target-saved = ✅ Target “{ $name }” for { $year }: { $percent }%.
