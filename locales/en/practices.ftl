## The best-practice bank (handlers/practices.py, domain/practices.py)

cmd-practices = Best-practice bank
bk-not-found = Not found, or not yours.
bk-no-region = The best-practice bank is open to the participants and curators of a region. You are not registered in any organisation yet.
bk-choose-region = 💡 Best-practice bank. Choose a region:
bk-stale = This button is out of date: use the buttons of the latest message.
bk-bad-button = This button does not work. Use the buttons of the latest message.
bk-use-buttons = Please answer with the buttons under the question. Here it is again:
bk-text-expected = Send your answer as text, or cancel: /cancel.
bk-cancelled = Submission cancelled; nothing was saved.

## A region's bank

bk-home-title = 💡 Best-practice bank: { $region }
bk-home-found = { $n ->
    [one] { $n } approved practice.
   *[other] { $n } approved practices.
}
bk-home-empty = No approved practices yet.
bk-home-choose = Choose a form of mentoring:
bk-btn-form = { $form } ({ $n })
bk-btn-queue = ⏳ Awaiting approval ({ $n })
bk-btn-submit = ➕ Submit a practice
bk-btn-mine = 📝 My practices ({ $n })
bk-btn-home = ⬅️ Back to the bank
bk-btn-open = { $n }. { $title }
bk-btn-regions = 🗺 Other regions

## Lists

bk-line = { $n }. { $title } — { $unit }, { $date }
bk-list-title = 💡 { $form } — { $region }
bk-list-found = { $n ->
    [one] { $n } practice found, newest first.
   *[other] { $n } practices found, newest first.
}
bk-list-empty = No approved practices of this form yet.
bk-queue-title = ⏳ Awaiting your approval — { $region }
bk-queue-found = { $n ->
    [one] { $n } practice awaits a decision.
   *[other] { $n } practices await a decision.
}
bk-queue-empty = Nothing awaits your decision.
bk-mine-title = 📝 My practices — { $region }
bk-mine-found = { $n ->
    [one] { $n } practice.
   *[other] { $n } practices.
}
bk-mine-empty = You have not submitted any practice in this region yet.
bk-mine-line = { $n }. { $title } — { $status }
bk-status-pending = awaiting approval
bk-status-approved = approved
bk-status-rejected = rejected
bk-status-withdrawn = withdrawn

## A practice

bk-view-title = 💡 { $title }
bk-view-form = Form of mentoring: { $form }
bk-view-unit = Submitted by: { $unit }
bk-view-date = Date: { $date }
bk-view-status = Status: { $status }
bk-view-note = Reviewer's note: { $note }
bk-view-file = File: { $name } ({ $size })
bk-photo = photo
bk-size-kb = { $n } KB
bk-size-mb = { $n } MB
bk-btn-file = 📎 Get the file
bk-no-file = No file is attached to this practice.
bk-file-caption = 💡 { $title }
bk-btn-approve = ✅ Approve
bk-btn-reject = ❌ Reject
bk-btn-withdraw = ↩️ Withdraw
bk-btn-withdraw-yes = Yes, withdraw
bk-withdraw-ask = Withdraw the practice “{ $title }”? Reviewers will no longer see it.
bk-withdrawn = The practice “{ $title }” has been withdrawn.
bk-btn-back-list = ⬅️ Back to: { $form }
bk-btn-queue-back = ⬅️ Back to awaiting approval
bk-btn-mine-back = ⬅️ Back to my practices

## Submitting

bk-ask-unit = On behalf of which unit are you submitting the practice?
bk-ask-title = A new practice from “{ $unit }”. Step 1 of 4: send the practice's title ({ $min } to { $max } characters).
bk-ask-form = “{ $title }”. Step 2 of 4: choose the form of mentoring.
bk-chosen-form = Form: { $form }.
bk-ask-description = Step 3 of 4: describe the practice — what it is, who it is for, what it achieved ({ $min } to { $max } characters).
bk-ask-file = Step 4 of 4: send a file with the materials (as a document, up to { $max } MB; accepted: { $types }) or a photo. If there is no file, press “No file”.
bk-btn-skip-file = No file
bk-file-skipped = The practice was submitted without a file.
bk-file-expected = Send the file as a document or a photo, or press “No file”.
bk-file-again = Send another file or press “No file”. Nothing was saved.
bk-submitted = The practice “{ $title }” was sent for approval to the curator one level up. You will be told of the decision.

## Reviewing

bk-reject-for = Rejecting the practice “{ $title }”.
bk-ask-note = Write a note for the author (up to { $max } characters) — what to improve — or reject without a note.
bk-btn-reject-no-note = Reject without a note
bk-approved = The practice “{ $title }” is approved and visible to everyone in the region.
bk-rejected = The practice “{ $title }” is rejected. The author will be told.

## Notices (through the outbox)

bk-notice-submitted = 💡 A new practice awaits your approval: “{ $title }” ({ $unit }).
bk-btn-open-notice = Open the practice
bk-notice-approved = ✅ Your practice “{ $title }” is approved and now in the region's best-practice bank.
bk-notice-approved-note = ✅ Your practice “{ $title }” is approved and now in the region's best-practice bank. Note: { $note }
bk-notice-rejected = ❌ Your practice “{ $title }” was rejected.
bk-notice-rejected-note = ❌ Your practice “{ $title }” was rejected. Reviewer's note: { $note }

## Bad input (domain/practices.py INVALID_CODES)

bk-invalid-title-short = The title is too short: at least { $min } characters.
bk-invalid-title-long = The title is too long: at most { $max } characters.
bk-invalid-form = There is no such form of mentoring. Choose one with the buttons.
bk-invalid-description-short = The description is too short: at least { $min } characters.
bk-invalid-description-long = The description is too long: at most { $max } characters. Shorten it and attach the details as a file.
bk-invalid-note-long = The note is too long: at most { $max } characters.
bk-invalid-file-empty = The file is empty.
bk-invalid-file-too-large = The file is too large: at most { $max } MB. Compress it or split it into parts.
bk-invalid-file-size-unknown = The file's size is unknown. Send it again as a document.
bk-invalid-file-no-name = The file has no name, so its type cannot be checked. Rename it and send it again.
bk-invalid-file-name = The file name has characters that are not allowed. Rename the file (letters, digits, a dot before the extension) and send it again.
bk-invalid-file-double-ext = A file name with a double extension (…{ $ext }) looks like a disguised dangerous file. Such files are not accepted.
bk-invalid-file-dangerous = Files of type .{ $ext } are not accepted: executables, scripts, archives, web pages and documents with macros are refused. Send a PDF, a document, a spreadsheet, a presentation or an image.
bk-invalid-file-type = Files of type .{ $ext } are not accepted. Accepted: PDF, DOC, DOCX, ODT, RTF, TXT, PPT, PPTX, ODP, XLS, XLSX, ODS, JPG, PNG.
bk-invalid-file-mime = The file's contents do not match its extension .{ $ext }. Such files are not accepted.
bk-invalid-not-pending = A decision on this practice has already been made.
bk-invalid-not-reviewer = Only a curator one level up may approve this practice.
bk-invalid-not-submitter = Only its author may withdraw a practice.
bk-invalid-no-unit = You are not a curator of any unit in this region.
bk-invalid-file-content = The file's contents do not look like a .{ $ext } file — perhaps a file of another type renamed. Such files are not accepted.
bk-invalid-file-macros = The .{ $ext } file contains macros. Documents with macros are not accepted: save it without macros and send it again.
bk-invalid-file-unreadable = The file could not be checked. Please send it again a little later.
