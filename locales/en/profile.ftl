## /profile — view and edit the questionnaire; /deleteme — withdraw consent and erase data.

prof-title = 👤 Your profile
prof-field-org = Organisation
prof-field-status = Status
prof-awaiting-consent = The curator of your organisation has not yet confirmed your parent's or legal guardian's consent. You can view and edit your profile in the meantime.
prof-edit-hint = To change an answer, press its button.
prof-saved = Saved.
prof-not-registered = You are not registered in a mentoring programme yet. Open the invitation link your organisation's curator sent you.

del-explain = You are about to withdraw your consent to the processing of your personal data.
del-explain-participant = Erased will be: your full name, interests, tags, goals and request, strengths, convenient times and format of meetings, and the link to your Telegram account. You will leave the mentoring programme. Your pairs and groups end (a group may go on without a mentee who leaves); the others in them and the curator are told, without your name.
del-explain-curator = Your curator roles will be revoked and your name erased.
del-explain-kept = Only an anonymous record stays for the statistics (organisation, role, category, year of birth); nobody can tell it is you. This cannot be undone.
del-btn-confirm = 🗑 Erase my data
del-btn-keep = Keep my data
del-kept = All right, nothing was erased.
del-done = Done: your consent is withdrawn and your personal data erased. Thank you for taking part! To join again you will need a new invitation.
del-nothing = I keep no personal data about you: there is nothing to erase.
