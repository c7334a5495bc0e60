## Messages the bot could not confirm after a failure (to the administrators, domain/unconfirmed.py)

outbox-unconfirmed = ⚠️ The bot was interrupted while sending and cannot tell whether { $count ->
        [one] { $count } message
       *[other] { $count } messages
    } arrived. Nothing was sent again, so that nobody gets the same message twice. Contact the recipients if needed:
outbox-unconfirmed-line = • { $what } — { $who }
outbox-unconfirmed-more = …and { $count } more
outbox-who = { $name } ({ $roles })
outbox-who-unnamed = no name (Telegram id { $tg })
outbox-who-erased = a participant who has erased their data
outbox-who-chat = chat { $chat }
outbox-role-mentor = mentor, { $org }
outbox-role-mentee = mentee, { $org }
outbox-role-curator = curator, { $unit }

## Kinds of messages

outbox-kind-checkin = the question “Have you met?”
outbox-kind-survey-invite = an invitation to a survey
outbox-kind-pair-reminder = a reminder to answer a pair proposal
outbox-kind-roadmap = a reminder of a roadmap deadline
outbox-kind-digest = the digest of new registrations
outbox-kind-risk-alert = a warning about a pair at risk
outbox-kind-roadmap_up = a notice of a roadmap item overdue one level down
outbox-kind-outbox-unconfirmed = a report of unconfirmed messages
outbox-kind-attention = a “needs your attention” summary
outbox-kind-pair-card = a mentoring pair proposal
outbox-kind-pair-active = a notice that a pair has started
outbox-kind-pair-goals-prompt = a notice that a pair has started, asking to record goals
outbox-kind-pair-declined = a notice that a pair was declined
outbox-kind-pair-unanswered = a notice of a pair proposal left unanswered
outbox-kind-pair-withdrawn = a notice of a pair withdrawn (a participant left)
outbox-kind-pair-cancelled = a notice that a proposed pair will not happen
outbox-kind-pair-dissolved = a notice that a pair was ended early
outbox-kind-practice_submitted = a notice of a practice awaiting approval
outbox-kind-practice_approved = a notice that a practice was approved
outbox-kind-practice_rejected = a notice that a practice was rejected
outbox-kind-consent-confirmed = a notice that parental consent was confirmed
outbox-kind-pair-card-closed = a correction of a pair proposal card that no longer stands
outbox-kind-pair-erased = notice that a pair ended because a participant deleted their data
outbox-kind-pair-erased-curator = notice to a curator of a pair ended because a participant deleted their data
outbox-kind-consent-undone = correction of a parental consent confirmation that was undone
outbox-kind-export-interrupted = a notice that a report was interrupted
outbox-kind-reply = the bot's answer to something the person did, delayed by Telegram's limits
outbox-kind-reply-edit = an update of one of the bot's messages, delayed by Telegram's limits
outbox-kind-other = a message
