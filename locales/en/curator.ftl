## The curator's and administrator's menu (/curator, /admin)

cur-only-curators = This menu is for curators of mentoring programmes. If you are a curator, open the invitation link you were sent. What I can do: /help.
adm-only-admins = This command is for the bot's administrators. Curators: /curator. What I can do: /help.
cur-not-found = Not found or not yours. Nothing was changed. Open the menu again: /curator.
cur-stale = This button is out of date. Open the menu again: /curator.

## Navigation

cur-btn-prev = ◀
cur-btn-next = ▶
cur-page = { $page } / { $pages }
cur-btn-up = ⬆ { $name }
cur-btn-top = ⬆ To the list
cur-btn-cancel = Cancel
cur-btn-no = No, keep it
cur-btn-back-org = ⬅ { $name }
cur-btn-back-unit = ⬅ { $name }
cur-btn-back-list = ⬅ Back to participants
cur-mark = ●{" "}

## Units

adm-top-title = All regions
cur-top-title = You are a curator of several units. Choose one:
cur-title-region = Region: { $name }
cur-title-municipality = Municipality: { $name }
cur-title-organisation = { $type }: { $name }
cur-trail = Part of: { $trail }
cur-counts = Mentors: { $mentors }, mentees: { $mentees }, awaiting parental consent: { $awaiting }
cur-child-button = { $name } ({ $mentors } / { $mentees })
cur-children-region = { $n ->
    [one] { $n } region
   *[other] { $n } regions
} (in brackets: mentors / mentees):
cur-children-municipality = { $n ->
    [one] { $n } municipality
   *[other] { $n } municipalities
} (in brackets: mentors / mentees):
cur-children-organisation = { $n ->
    [one] { $n } organisation
   *[other] { $n } organisations
} (in brackets: mentors / mentees):
adm-no-regions = There are no regions yet. Create the first one.
cur-no-children-municipality = There are no municipalities yet.
cur-no-children-organisation = There are no organisations yet.

cur-orgtype-school = School
cur-orgtype-college = College
cur-orgtype-additional = Institution of additional education
cur-orgtype-employer = Employer partner

adm-btn-new-region = ➕ Region
cur-btn-new-municipality = ➕ Municipality
cur-btn-new-organisation = ➕ Organisation
cur-btn-invite-curator = 👤 Invite a curator
cur-btn-invite-cocurator = 👤 Invite a co-curator
cur-btn-curators = 👥 Curators ({ $n })
cur-btn-participants = 👥 Participants ({ $n })
cur-btn-awaiting = ⏳ Awaiting parental consent ({ $n })
cur-btn-links = 🔗 Invitation links

## Participants

cur-role-mentor = mentor
cur-role-mentee = mentee
cur-status-active = active
cur-status-awaiting_consent = awaiting parental consent
cur-cat-school_student = school student
cur-cat-college_student = college student
cur-cat-young_specialist = young specialist
cur-cat-teacher = teacher
cur-cat-employer_rep = employer's representative
cur-grade = grade { $grade }
cur-course = year { $course }

cur-plist-title = Participants: { $name }
cur-plist-filter = Role: { $role }. Status: { $status }.
cur-plist-found = { $n ->
    [one] { $n } participant found.
   *[other] { $n } participants found.
}
cur-plist-empty = Nobody found.
cur-pline = { $n }. { $name } — { $role }, { $details }; { $status }
cur-f-role-a = All roles
cur-f-role-m = Mentors
cur-f-role-e = Mentees
cur-f-status-a = All
cur-f-status-c = Active
cur-f-status-w = Awaiting consent

cur-card =
    { $name }
    Role: { $role }
    Category: { $details }
    Year of birth: { $year }
    Status: { $status }
    Organisation: { $org }
    Registered: { $registered }
cur-card-consent = Parental consent confirmed: { $date }
cur-card-capacity = Can take { $n ->
    [one] { $n } mentee
   *[other] { $n } mentees
}
cur-btn-confirm-consent = ✅ Confirm parental consent

cur-await-title = Awaiting parental consent: { $name }
cur-await-empty = Nobody is awaiting confirmation of parental consent.
cur-await-found = { $n ->
    [one] { $n } participant is awaiting confirmation.
   *[other] { $n } participants are awaiting confirmation.
}
cur-await-line = { $n }. { $name } — { $details }, born { $year }
cur-await-hint = Mark those whose parent's (legal guardian's) written consent you hold, then press “Confirm marked”. You can also confirm a whole class or the whole list at once.
cur-await-line-done = { $n }. { $name } — ✅ consent confirmed
cur-await-none-left = Everyone on this list has been confirmed.
cur-await-filter = Showing: { $cls }.
cur-await-btn-off = ☐ { $n }. { $name }
cur-await-btn-on = ☑ { $n }. { $name }
cur-await-btn-done = ✅ { $n }. { $name }
cur-await-class-all = All ({ $n })
cur-await-class-grade = Grade { $grade } ({ $n })
cur-await-class-course = Year { $course } ({ $n })
cur-await-class-other = Other ({ $n })
cur-await-of-all = the whole list
cur-await-of-grade = grade { $grade }
cur-await-of-course = year { $course }
cur-await-of-other = no grade or year
cur-btn-confirm-marked = ✅ Confirm marked ({ $n })
cur-btn-clear-marks = Clear marks
cur-btn-confirm-all = ✅ Confirm everyone on the list ({ $n })
cur-btn-confirm-class = ✅ Confirm all: { $cls } ({ $n })
cur-btn-refresh = 🔄 Refresh the list
cur-btn-undo-consents = ↩ Undo confirmation ({ $n }), until { $time }
cur-confirm-all-ask =
    Confirm parental consent for { $n ->
        [one] { $n } participant
       *[other] { $n } participants
    } at once ({ $cls })?

    { $names }

    Confirm only if you hold the written consent of a parent (legal guardian) of each of them. You can undo it within { $minutes ->
        [one] a minute
       *[other] { $minutes } minutes
    }.
cur-btn-confirm-all-yes = ✅ Yes, confirm ({ $n })
cur-consents-done = Parental consent confirmed for { $n ->
    [one] { $n } participant
   *[other] { $n } participants
}. You can undo it within { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
} with “↩ Undo” below.
cur-consents-already = Already confirmed before: { $n }.
cur-consents-skipped = Skipped (no consent needed, or participant not found): { $n }.
cur-consents-none-marked = Nobody is marked. Mark participants with the buttons bearing their names.
cur-consents-none-waiting = Nobody on this list is waiting for confirmation any more.
cur-consents-marks-changed = The marks have changed. Check them and press the button again. Nothing was changed.
cur-consents-list-changed = The list has changed since you opened it. Check it and confirm again. Nothing was changed.
cur-consents-undone = Confirmation undone: { $n ->
    [one] { $n } participant is
   *[other] { $n } participants are
} waiting for parental consent again.
cur-consents-undone-told = Already told that their consent was confirmed: { $names }. The bot will send them a correction.
cur-consents-undone-paired = Consent kept for { $names }: already in a pair or a proposed pair. If the confirmation was a mistake, withdraw the pair in the programme and press “↩ Undo” again.
cur-consents-undone-nothing = There is nothing left to undo. Nothing was changed.
cur-consent-undo-expired = A confirmation can be undone only within { $minutes ->
    [one] a minute
   *[other] { $minutes } minutes
}. Nothing was changed.
cur-consent-undo-already = This confirmation has already been undone. Nothing was changed.
cur-consent-confirmed = Parental consent for { $name } is confirmed.
cur-consent-already = Parental consent for { $name } has already been confirmed. Nothing was changed.
cur-consent-not-needed = { $name } does not need a parental consent confirmed. Nothing was changed.

## Invitation links

cur-links-title = Invitation links: { $name }
cur-links-empty = There are no active links. Create a new one.
cur-links-found = { $n ->
    [one] { $n } active link.
   *[other] { $n } active links.
}
cur-link-role-any = any role
cur-link-role-mentor = mentors
cur-link-role-mentee = mentees
cur-link-until = valid until { $date }
cur-link-no-expiry = no expiry
cur-link-uses = used { $uses } of { $max }
cur-link-uses-unlimited = used { $uses }, unlimited
cur-link-line = { $role }, { $until }, { $uses }
cur-btn-revoke = ✖ Revoke { $n }
cur-btn-new-link = ➕ New link
cur-btn-create-link = ✅ Create the link

cur-new-link-role = A new link for { $name }. Whom are you inviting?
cur-new-link-days = A new link: { $role }. For how many days should it be valid?
cur-new-link-uses = A new link: { $role }, { $days }. How many people may register with it?
cur-days = { $n ->
    [one] { $n } day
   *[other] { $n } days
}
cur-uses-unlimited = Unlimited
cur-link-created =
    A link for { $name } has been created: { $summary }.

    { $link }

    Forward it to the participants. You can revoke it under "Invitation links".

cur-revoke-ask =
    Revoke this link of { $name }?
    { $summary }
    Those who have registered stay participants; nobody new will be able to register with this link.
cur-btn-revoke-yes = ✖ Yes, revoke
cur-revoked = The link has been revoked.
cur-revoke-already = This link has already been revoked. Nothing was changed.

## A unit's curators, and inviting a curator

cur-curators-line = Curators: { $names }
cur-curators-none = No curators yet.
cur-curators-title = Curators — { $unit }
cur-curator-line = { $n }. { $name }, curator since { $since }
cur-curator-invites = { $n ->
    [one] { $n } invitation not yet accepted (newest first):
   *[other] { $n } invitations not yet accepted (newest first):
}
cur-curator-invites-none = No invitations are waiting to be accepted.
cur-curator-invite-line = { $n }. One-use link, { $until }
cur-btn-revoke-invite = ✖ Revoke { $n }
cur-btn-curators-of = 👥 Curators: { $name }
cur-curator-invite-revoked = The invitation has been revoked: nobody can become a curator with that link any more.
cur-curator-invite-gone = This invitation has already been accepted or has expired. Nothing was changed.
cur-curator-invites-limit = There are already { $max } curator invitations waiting to be accepted, which is the limit. Revoke one you no longer need below, or wait until it is accepted.

cur-cocurator-invite-ask = Create a one-use invitation link for a co-curator ({ $unit })? The co-curator will run this unit together with you, with the same rights, and nothing above it. The link will be valid for { $days }.
cur-cocurator-invite-created =
    A link for a co-curator ({ $unit }) has been created, one use, { $until }:

    { $link }

    Below is a message you can forward to the future co-curator. You can revoke the link under “Curators”.
cur-cocurator-invite-forward =
    You are invited to become a co-curator of mentoring programmes ({ $unit }), running them together with the current curator.
    Open the link to accept the invitation (one use, { $until }):
    { $link }

## Inviting a curator

cur-curator-invite-ask = Create a one-use invitation link for a curator ({ $unit })? It will be valid for { $days }.
cur-curator-invite-created =
    A link for a curator ({ $unit }) has been created, one use, { $until }:

    { $link }

    Below is a message you can forward to the future curator.
cur-curator-invite-forward =
    You are invited to become a curator of a mentoring programme ({ $unit }).
    Open the link to accept the invitation (one use, { $until }):
    { $link }

## Creating regions, municipalities and organisations

cur-ask-name-region = Type the name of the new region.
cur-ask-name-municipality = Type the name of the new municipality in { $parent }.
cur-ask-name-organisation = Type the name of the new organisation in { $parent }.
cur-ask-org-type = What type of organisation is { $name }?
cur-org-type-expected = Choose the type of organisation with a button above, or cancel: /cancel.
cur-name-expected = Send the name as text, or cancel: /cancel.
cur-created = Created: { $name }.
cur-create-cancelled = Creation cancelled.
cur-invalid-unit-name-short = The name is too short. Send the name again.
cur-invalid-unit-name-long = The name is longer than { $max } characters. Send a shorter one.
cur-invalid-unit-exists = There is already a unit with this name here. Send another name.
cur-invalid-unit-kind = A unit of this kind cannot be created here.
cur-invalid-org-type = Choose the type of organisation with a button.

## Monitoring entry points (issue 5)
mon-btn-roadmap = 📅 Roadmap
mon-btn-kpi = 📊 Indicators
mon-btn-reports = 📄 Reports
mon-btn-practices = 💡 Best practices
