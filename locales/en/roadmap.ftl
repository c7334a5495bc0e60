## Roadmap (handlers/roadmap.py, domain/roadmap.py)

## Template items (domain/data/roadmap_templates.json): an item's title by its code

rm-tpl-regional_regulation = Approve the regional regulation on mentoring
rm-tpl-working_group = Form the working group introducing the target model of mentoring
rm-tpl-curator_appointed = Appoint, by the head's order, the curator introducing the target model of mentoring
rm-tpl-roadmap_drafted = Draft and approve the roadmap for introducing the target model of mentoring
rm-tpl-roadmaps_agreed = Agree the roadmaps of the educational organisations
rm-tpl-meeting_q1 = Hold a meeting of the officers responsible for mentoring (1st quarter of the academic year)
rm-tpl-meeting_q2 = Hold a meeting of the officers responsible for mentoring (2nd quarter of the academic year)
rm-tpl-meeting_q3 = Hold a meeting of the officers responsible for mentoring (3rd quarter of the academic year)
rm-tpl-meeting_q4 = Hold a meeting of the officers responsible for mentoring (4th quarter of the academic year)
rm-tpl-mentors_trained = Select and train the mentors
rm-tpl-pairs_fixed = Form mentoring pairs and groups and fix them by order
rm-tpl-monitoring_report = Monitor the mentoring programmes and prepare an analytical report
rm-tpl-programmes_running = Introduce the mentoring programmes (coverage as targeted)
rm-tpl-stat_form = Ensure the numbers of mentoring participants are entered into the federal statistical observation forms
rm-tpl-base_formed = Build the bases of mentees and mentors for the next academic year
rm-tpl-practices_collected = Build the base of mentoring programmes and best practices

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
rm-btn-below = ⚠️ Overdue at the levels below
rm-btn-programme = 📋 To the programme
rm-btn-back-list = ⬅ To the roadmap

## An item

rm-item-title = { $mark } { $title }
rm-field-unit = Roadmap of: { $unit }
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
rm-kind-stat_form = statistical observation form
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
rm-invalid-date-format = I do not understand the date. Send it as DD.MM.YYYY, e.g. 15.01.2027, or as a word: today, tomorrow.
rm-invalid-date-past = That date has passed. Give today or a later date.
rm-invalid-date-far = The date is too far ahead: at most three years.
rm-invalid-responsible = Only a serving curator of this level or a level above can be made responsible.
rm-invalid-stale = Someone changed the item while you were looking. This is how it is now.
rm-invalid-not-open = The item is no longer in progress: it cannot be changed.
rm-invalid-not-done = The item is not marked done.

## Overdue below

rm-below-title = ⚠️ Overdue at the levels below: { $unit }
rm-below-count = Overdue items: { $n }; { $level ->
    [municipality] organisations
   *[other] municipalities and organisations
} with overdue items: { $units }
rm-below-none = Nothing is overdue below. 👍
rm-below-unit = { $unit }: { $n } overdue
rm-below-line = • { $date } — { $title } ({ $who })
rm-below-more = • …and { $n } more
rm-btn-below-unit = { $unit } ({ $n })

## Reminders

rm-remind-d7 = 📅 In a week, on { $date }, the roadmap item “{ $title }” ({ $unit }) is due.
rm-remind-d3 = 📅 In 3 days, on { $date }, the roadmap item “{ $title }” ({ $unit }) is due.
rm-remind-d1 = ⏰ Tomorrow, { $date }, the roadmap item “{ $title }” ({ $unit }) is due.
rm-remind-missed = ⚠️ The roadmap item “{ $title }” ({ $unit }) was due on { $date }. If it is done, mark it; if not, move its date.
rm-remind-up = ⚠️ A roadmap item one level below is overdue: “{ $title }” ({ $unit }), due on { $date }.
rm-btn-open-item = 📅 Open the item
