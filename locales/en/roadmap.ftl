## Roadmap (handlers/roadmap.py, domain/roadmap.py)

## Template items (domain/data/roadmap_templates.json): an item's title by its code

rm-tpl-regional_regulation = Approve the regional regulation on mentoring
rm-tpl-working_group = Form the working group introducing the target model of mentoring
rm-tpl-curator_appointed = Appoint the mentoring programme's curator by the head's order
rm-tpl-roadmap_drafted = Draft and approve the roadmap of introducing the target model
rm-tpl-meeting_q1 = Meeting of the officers responsible for mentoring (1st quarter of the academic year)
rm-tpl-meeting_q2 = Meeting of the officers responsible for mentoring (2nd quarter of the academic year)
rm-tpl-meeting_q3 = Meeting of the officers responsible for mentoring (3rd quarter of the academic year)
rm-tpl-meeting_q4 = Meeting of the officers responsible for mentoring (4th quarter of the academic year)
rm-tpl-mentors_trained = Select and train the mentors
rm-tpl-pairs_fixed = Form mentoring pairs and groups and fix them by order
rm-tpl-monitoring_report = Prepare the report on the monitoring of mentoring programmes
rm-tpl-programmes_running = Launch the mentoring programmes (coverage as targeted)
rm-tpl-stat_form = Enter the mentoring figures into the federal statistical forms
rm-tpl-base_formed = Build the base of mentees and mentors for the next academic year
rm-tpl-practices_collected = Collect the best mentoring practices into the regional bank

## Programmes' monitoring windows

rm-window-survey_start = Start survey: “{ $programme }”
rm-window-survey_end = Final survey: “{ $programme }”

## The list

rm-title = 📅 Roadmap: { $unit }
rm-count = Items: { $n }
rm-empty = No items yet.
rm-line = { $mark } { $date } — { $title } ({ $who })
rm-legend = ✅ done · ⏳ in progress · ⚠️ overdue · ✖ cancelled
rm-btn-item = { $mark } { $date } { $title }
rm-btn-add = ➕ Add an item
rm-btn-below = ⚠️ Overdue below
rm-btn-programme = 📋 To the programme
rm-btn-back-list = ⬅ To the roadmap

## An item

rm-item-title = { $mark } { $title }
rm-field-unit = Where: { $unit }
rm-field-due = Due: { $date }
rm-field-status = Status: { $status }
rm-field-who = Responsible: { $who }
rm-field-kind = Kind: { $kind }
rm-field-done = Done on { $date }, marked by { $who }
rm-status-open = in progress
rm-status-done = done
rm-status-cancelled = cancelled
rm-status-overdue = overdue
rm-kind-task = task
rm-kind-monitoring = monitoring
rm-kind-stat_form = statistical form
rm-kind-meeting = meeting
rm-btn-complete = ✅ Done
rm-btn-reopen = ↩ Reopen
rm-btn-edit-title = ✏ Title
rm-btn-edit-due = 📅 Due date
rm-btn-reassign = 👤 Responsible
rm-btn-cancel-item = ✖ Cancel the item
rm-btn-cancel-yes = ✖ Yes, cancel it
rm-btn-person = { $mark }{ $name }
rm-cancel-ask = Cancel the item “{ $title }”? There will be no more reminders about it.
rm-reassign-ask = Who is responsible for “{ $title }”?
rm-done = The item is marked done.
rm-reopened = The item is in progress again.
rm-cancelled = The item is cancelled.
rm-reassigned = Responsible: { $who }.
rm-saved = Saved.
rm-added = The item is added.

## Dialogs

rm-ask-title = Send the item's title (up to { $max } characters).
rm-ask-due = Send the due date as DD.MM.YYYY, e.g. { $example }.
rm-ask-who = “{ $title }”, due { $date }. Who is responsible?
rm-ask-new-title = Now: “{ $title }”. Send the new title.
rm-ask-new-due = Now due { $date }. Send the new due date as DD.MM.YYYY.
rm-text-expected = Please send your answer as text, or press “Cancel”.
rm-who-expected = Choose the responsible person with a button, or press “Cancel”.
rm-dialog-cancelled = Cancelled; nothing was changed.

## Errors

rm-invalid-title-short = The title is too short: at least { $min } characters, please.
rm-invalid-title-long = The title is too long: at most { $max } characters.
rm-invalid-date-format = I do not understand the date. Send it as DD.MM.YYYY, e.g. 15.01.2027.
rm-invalid-date-past = That date has passed. Give today or a later date.
rm-invalid-date-far = The date is too far ahead: at most three years.
rm-invalid-responsible = This person cannot be responsible for the item: they are not a curator at this level.
rm-invalid-stale = Someone changed the item while you were looking. This is how it is now.
rm-invalid-not-open = The item is no longer in progress: it cannot be changed.
rm-invalid-not-done = The item is not marked done.

## Overdue below

rm-below-title = ⚠️ Overdue below: { $unit }
rm-below-count = Overdue items: { $n } (units: { $units })
rm-below-none = Nothing is overdue below. 👍
rm-below-unit = { $unit }: { $n } overdue
rm-below-line = • { $date } — { $title } ({ $who })
rm-below-more = • …and { $n } more
rm-btn-below-unit = { $unit } ({ $n })

## Reminders

rm-remind-d7 = 📅 In a week the roadmap item “{ $title }” ({ $unit }) is due: { $date }.
rm-remind-d3 = 📅 In 3 days the roadmap item “{ $title }” ({ $unit }) is due: { $date }.
rm-remind-d1 = ⏰ Tomorrow the roadmap item “{ $title }” ({ $unit }) is due: { $date }.
rm-remind-missed = ⚠️ The roadmap item “{ $title }” ({ $unit }) was due on { $date }. Mark it done or move its date.
rm-remind-up = ⚠️ A roadmap item one level below is overdue: “{ $title }” ({ $unit }), it was due on { $date }.
rm-btn-open-item = 📅 Open the item
