## "Needs your attention": one summary for a curator instead of a burst of messages (domain/attention.py, handlers/attention.py)

att-summary =
    🔔 Needs your attention: { $n }

    { $body }
att-summary-generic = 🔔 Some things need your attention: { $n }. Open the list: /curator
att-btn-list = 📋 Everything that needs attention
att-btn-item = { $label }
att-btn-open = Open
att-more = … and { $n } more

# Groups: the heading in a summary, and the group's button when there are many items
att-group-risk = ⚠️ Pairs at risk: { $n }
att-group-fit = 💬 "Not a good match": { $n }
att-group-declined = ↩️ Declined pair proposals: { $n }
att-group-silent = ⏰ No answer to a pair proposal: { $n }
att-group-withdrawn = ✂️ Withdrawn pairs: { $n }
att-group-consent = ✍️ Parental consent to confirm: { $n ->
    [one] { $n } organisation
   *[other] { $n } organisations
}
att-group-practice = 💡 Practices awaiting approval: { $n }
att-group-deadline = 📅 Roadmap deadlines: { $n }
att-group-below = 🔻 Overdue one level below: { $n }
att-group-started = 🎉 Pairs that started: { $n }
att-group-joined = 🆕 New registrations: { $n ->
    [one] { $n } digest
   *[other] { $n } digests
}
att-group-other = 🔔 Other: { $n }

# Lines of a summary: att-line-<the full message's key>, with the same variables
att-line-risk-no-meeting = { $mentor } — { $mentees } (“{ $programme }”): no meeting for { $days } { $days ->
        [one] day
       *[other] days
    }
att-line-risk-low-rating = { $mentor } — { $mentees } (“{ $programme }”): a rating of { $score } out of 10 in a survey
att-line-risk-fit-declined = { $mentor } — { $mentees } (“{ $programme }”): { $who } — “{ $reason }”
att-line-risk-unreachable = { $mentor } — { $mentees } (“{ $programme }”): { $who } blocked the bot
att-line-risk-low-rating-person = { $who } (“{ $programme }”): a rating of { $score } out of 10 in the { $survey ->
        [start] start
       *[end] end
    } survey
att-line-pair-active-notice = { $mentor } — { $mentees } (“{ $programme }”)
att-line-pair-declined-notice = { $who } declines the pair with { $others } (“{ $programme }”)
att-line-pair-unanswered-notice = { $mentor } — { $mentees } (“{ $programme }”): no answer from { $silent }
att-line-pair-withdrawn-notice = { $mentor } — { $mentees } (“{ $programme }”)
att-line-digest-new-registrations = { $unit }: { $total } ({ $mentors } mentors, { $mentees } mentees)
att-line-att-consent-notice = { $unit }: { $n }
att-line-bk-notice-submitted = “{ $title }” ({ $unit })
att-line-rm-remind-d7 = “{ $title }” ({ $unit }): due on { $date }, in a week
att-line-rm-remind-d3 = “{ $title }” ({ $unit }): due on { $date }, in 3 days
att-line-rm-remind-d1 = “{ $title }” ({ $unit }): due tomorrow, { $date }
att-line-rm-remind-missed = “{ $title }” ({ $unit }): was due on { $date }
att-line-rm-remind-up = “{ $title }” ({ $unit }): was due on { $date }

att-consent-notice = ✍️ { $unit }: { $n ->
    [one] { $n } participant is
   *[other] { $n } participants are
} waiting for their parents' consent to be confirmed.

# A participant's erasure (domain/erasure.py)
att-group-erased = 🗑 Pairs where someone deleted their data: { $n }
att-line-pair-erased-curator-ended = “{ $programme }”: { $who ->
        [mentor] the mentor deleted their data{ $n ->
            [0] {""}
           *[other] ; a new mentor is needed for { $mentees }
        }
       *[mentee] a mentee deleted their data{ $has_mentor ->
            [yes] ; a place is free with mentor { $mentor }
           *[no] {""}
        }
    }
att-line-pair-erased-curator-left = “{ $programme }”: the group of mentor { $mentor } goes on without one mentee

# The list in /curator
att-title = 🔔 Needs your attention: { $n }
att-empty = ✅ Nothing needs your attention right now.
att-list-hint = Tap an item to open it; ✓ takes it off the list.
att-btn-dismiss = ✓ Done
att-btn-read-all = ✓ Clear the items just for information
att-btn-all = 📋 The whole list ({ $n })
att-btn-back = ‹ Curator menu
att-dismissed = Taken off the list.
att-read-all-done = Taken off the list: { $n }.
att-resolved = This no longer needs your attention.

# Pairs at risk across a unit
att-btn-unit-risk = ⚠️ Pairs at risk
att-risk-title = ⚠️ Pairs at risk: { $unit }
att-risk-found = Pairs at risk: { $n }. Tap a pair to open it.
att-risk-none = ✅ No pairs at risk.
att-risk-line = { $n }. { $mentor } — { $mentees } (“{ $programme }”): { $reasons }
att-risk-btn-pair = { $n }. { $mentor } — { $mentees }
