## Pairs and groups: matching, the curator's decisions, the participants' answers

pair-title = 🤝 Pairs and groups of “{ $programme }”
pair-counts = Proposed: { $proposed } · awaiting answers: { $approved } · active: { $active } · declined by participants: { $declined } · rejected by the curator: { $rejected }
pair-last-run = Last matching { $date }: { $pairs ->
    [one] { $pairs } pair
   *[other] { $pairs } pairs
}, { $groups ->
    [one] { $groups } group
   *[other] { $groups } groups
}.
pair-run-running-now = ⏳ Matching is running right now.
pair-btn-propose = 🔍 Propose pairs
pair-btn-proposals = 📋 Proposals ({ $n })
pair-btn-approve-all = ✅ Approve all
pair-btn-manual = ✍ Pair by hand
pair-btn-active = 👥 Active ({ $n })
pair-btn-xlsx = 📥 Annex to the order (XLSX)
pair-btn-programme = ⬅ Programme
pair-btn-back = ⬅ Pairs
pair-btn-no = No
pair-btn-open = 🤝 Open the programme's pairs

## Matching

pair-running-alert = Matching…
pair-running = ⏳ Matching… { $percent } %
pair-summary-title = ✅ Matching finished: “{ $programme }”
pair-summary-counts = Proposed: { $pairs ->
    [one] { $pairs } pair
   *[other] { $pairs } pairs
} and { $groups ->
    [one] { $groups } group
   *[other] { $groups } groups
} ({ $mentees } mentees in them).
pair-summary-average = Average compatibility: { $percent } %.
pair-summary-kept = Pairs approved earlier are kept: { $n }.
pair-summary-unmatched = { $n ->
    [one] { $n } mentee is
   *[other] { $n } mentees are
} left without a pair:
pair-why-no-eligible-mentor = • no eligible mentor ({ $n }): { $names }
pair-why-capacity = • every eligible mentor is full ({ $n }): { $names }
pair-why-no-consent = • no parental consent yet ({ $n }): { $names }
pair-why-other = • other reasons ({ $n }): { $names }
pair-summary-nothing = No new proposals: everyone is paired already, or nobody can be matched.
pair-summary-free-mentors = Mentors without mentees ({ $n }): { $names }
pair-summary-skipped = Something changed while matching ran — proposals dropped: { $n }.
pair-and-more = { " " }and { $n } more
pair-btn-review = 📋 Review the proposals

## Proposals

pair-no-proposals = No open proposals. Press “Propose pairs”.
pair-proposal-title = Proposal { $n } of { $total } · compatibility { $percent } %
pair-proposal-mentor = Mentor: { $person }
pair-proposal-mentee = Mentee: { $person } — { $percent } %
pair-person = { $name } ({ $details })
pair-reason-line = • { $text }
pair-reasons-none = • fits the form's rules, little in common
pair-btn-approve = ✅ Approve
pair-btn-reject = ❌ Reject
pair-approved = Pair approved; the participants have been invited.
pair-rejected = Proposal rejected; it will not be proposed again.
pair-approve-all-ask = Approve all proposals ({ $n })? Every participant gets an invitation with “Accept” and “Decline” buttons.
pair-btn-approve-all-yes = ✅ Yes, approve all
pair-approved-all = Approved: { $n }. { $skipped ->
    [0] The participants have been invited.
   *[other] Skipped (someone is taken already or left): { $skipped }.
}

## Reasons

pair-reason-interests = shared interests: { $items }
pair-reason-goals = the mentor's strengths cover: { $items }
pair-reason-times = overlapping times: { $items }
pair-reason-format = matching meeting format: { $items }
pair-reason-preference = a participant's choice: { $items }
pair-reason-mutual = mutual choice: { $items }
pair-reason-role-model = role model: { $items }
pair-slot = { $day } — { $time }
pair-named-by = { $side ->
    [mentor] the mentor named the mentee
   *[mentee] the mentee named the mentor
} (choice { $rank })

## Pair by hand

pair-pick-mentor = ✍ Pair by hand, “{ $programme }”. Choose a mentor — those with a free place are listed (places taken of available in brackets):
pair-pick-mentor-for = ✍ Pair by hand, “{ $programme }”. Choose a mentor for: { $mentee }. Those with a free place (places taken of available in brackets) who were not declined with them before are listed:
pair-pick-full = Not shown, having no free place: { $n ->
    [one] { $n } mentor
   *[other] { $n } mentors
}.
pair-pick-mentor-button = { $name } ({ $used }/{ $capacity })
pair-pick-mentee = Mentor: { $mentor } ({ $used }/{ $capacity }). Choose a mentee — these have no pair yet:
pair-pick-no-consent = { $name } (awaiting parental consent)
pair-pick-empty = Nobody to choose.
pair-made = Paired: { $mentor } and { $mentee }. The participants have been invited.

## Active pairs and the annex to the order

pair-active-title = Active pairs and groups of “{ $programme }”: { $n }
pair-active-line = { $n }. { $mentor } — { $mentees } (since { $date })
pair-xlsx-empty = No active pairs yet — nothing to download.
pair-xlsx-caption = Annex to the order fixing the mentoring pairs (groups): “{ $programme }”, { $n ->
    [one] { $n } row
   *[other] { $n } rows
}.
pair-xlsx-sheet = Pairs
pair-xlsx-title = Mentoring pairs (groups) fixed by the head's order
pair-xlsx-organisation = Organisation: { $name }
pair-xlsx-programme = Mentoring programme: { $name }
pair-xlsx-col-n = No.
pair-xlsx-col-mentor = Mentor's full name
pair-xlsx-col-mentee = Mentee's full name
pair-xlsx-col-form = Form of mentoring
pair-xlsx-col-role-model = Role model
pair-xlsx-col-date = Date fixed

## Invitations to participants

pair-btn-accept = ✅ Accept
pair-btn-decline = ❌ Decline
pair-card-for-mentee =
    🤝 Mentoring programme “{ $programme }”: the curator proposes a mentor for you.

    Mentor: { $name } ({ $details })
    What you share: { $shared }
    { $group ->
        [0] You will work one to one.
       *[other] This is a group; also with you: { $others }.
    }

    Do you agree to work together? The curator will see your answer.
pair-card-for-mentor =
    🤝 Mentoring programme “{ $programme }”: the curator proposes { $n ->
        [1] a mentee
       *[other] a group of mentees ({ $n })
    } for you:

    { $mentees }

    Do you agree to be the mentor? The curator will see your answer.
pair-card-mentee-line = • { $name } ({ $details }). In common: { $shared }
pair-shared-none = fits the rules of the form of mentoring
pair-reminder =
    ⏰ A reminder: you have not answered the invitation yet.

    { $card }{ $card_rest }
pair-you-accepted = ✅ You accepted. The pair starts once everyone accepts.
pair-you-accepted-active = ✅ You accepted, and so did everyone — the pair has started! The curator knows.
pair-you-declined = You declined. The curator has your answer and will find another option.
pair-ask-reason = Why do you decline? Write the reason in one message — only the curator will see it. Or press “Decline without a reason”.
pair-btn-skip-reason = Decline without a reason
pair-btn-keep = Don't decline
pair-decline-cancelled = All right, the invitation stands: answer with its buttons when you decide.
pair-reason-expected = Write the reason as text, or press “Decline without a reason”.
pair-cancelled-notice = The pair proposed to you in “{ $programme }”{ $partner_role ->
        [mentor] { " " }(your mentor: { $partner })
        [mentee] { " " }(your mentee: { $partner })
        [mentees] { " " }(your mentees: { $partner })
       *[none] {""}
    } will not happen: { $why ->
        [left] someone left the programme. The curator will find you another option.
        [finished] the programme has finished.
        [erased] { $erased_role ->
            [mentor] your mentor deleted their data from the bot.
            [mentee] your mentee deleted their data from the bot.
           *[co-mentee] another mentee of the group deleted their data from the bot.
        } The curator will find you another option.
       *[declined] someone declined. The curator will find you another option.
    }
pair-card-cancelled =
    🚫 This invitation is no longer valid — no need to answer it.

    The pair proposed to you in “{ $programme }”{ $partner_role ->
        [mentor] { " " }(your mentor: { $partner })
        [mentee] { " " }(your mentee: { $partner })
        [mentees] { " " }(your mentees: { $partner })
       *[none] {""}
    } will not happen.
pair-card-cancelled-erased =
    🚫 This invitation is no longer valid — no need to answer it.

    The pair proposed to you in “{ $programme }”{ $partner_role ->
        [mentor] { " " }(your mentor: { $partner })
        [mentee] { " " }(your mentee: { $partner })
        [mentees] { " " }(your mentees: { $partner })
       *[none] {""}
    } will not happen: { $erased_role ->
        [mentor] your mentor deleted their data from the bot.
        [mentee] your mentee deleted their data from the bot.
       *[co-mentee] another mentee of the group deleted their data from the bot.
    }

## Notices to curators

pair-btn-make-suggested = ✍ { $n }. { $mentee } ← { $mentor }
pair-btn-manual-mentor-for = ✍ Pick a mentor for { $name }
pair-btn-manual-mentee-for = ✍ Pick a mentee for { $name }
pair-active-notice = 🎉 “{ $programme }”: everyone accepted — { $n ->
    [1] the pair has started
   *[other] the group has started
}. Mentor: { $mentor }; { $n ->
    [1] mentee
   *[other] mentees
}: { $mentees }.
pair-declined-notice =
    “{ $programme }”: { $who } ({ $role ->
        [mentor] mentor
       *[mentee] mentee
    }) declines the pair with: { $others }.
    { $has_reason ->
        [yes] Reason: { $reason }
       *[no] No reason given.
    }
    { $mode ->
        [pairs] Pairs you could make instead (mentee ← mentor, compatibility; the button with the same number makes the pair):
    { $suggested }
       *[none] No suitable replacement with a free place right now — pair them by hand.
    }
pair-unanswered-notice = ⏰ “{ $programme }”: the pair { $mentor } — { $mentees } was approved { $days ->
    [one] { $days } day
   *[other] { $days } days
} ago, but these have not answered yet: { $silent }. They were reminded already.
pair-withdrawn-notice = “{ $programme }”: the pair { $mentor } — { $mentees } is withdrawn: someone left the programme or erased their data.

## Errors

pair-err-no-mentors = The programme has no mentors — nobody to match with. Add mentors first.
pair-err-no-mentees = The programme has no mentees — nobody to match. Add mentees first.
pair-err-run-in-progress = Matching is already running. Wait for its result.
pair-err-run-failed = Matching failed with an internal error. Earlier proposals are kept; try again.
pair-err-already-decided = This proposal has been decided already (perhaps by another curator). Nothing changed.
pair-err-member-left = Someone in this pair left the programme — the proposal is withdrawn.
pair-err-mentee-taken = The mentee already has an approved pair — the proposal is withdrawn.
pair-err-over-capacity = The mentor has no free places ({ $capacity }).
pair-err-not-found = Not found or not yours. Nothing changed.
pair-err-no-consent = { $name }: no parental consent yet — cannot be paired.
pair-err-declined-before = One of them has declined such a pair already — choose another.
pair-err-not-eligible = This pair breaks the rules of the form of mentoring: { $rule ->
    [no_consent] no parental consent
    [mentor_category] a mentor of this category does not fit the form
    [mentee_category] a mentee of this category does not fit the form
    [other_org] they belong to different organisations
    [mentor_age] a student mentor must be 15 to 18 years old
    [grade_gap] a student mentor must be at least 2 grades above the mentee
   *[other] { $rule }
}.
pair-err-not-yours = This invitation is not for you or no longer valid.
pair-err-no-longer-valid = This proposal is no longer valid: it was withdrawn or someone declined. The curator will find another option.
pair-err-already-answered = You have answered already: { $answer ->
    [accepted] you accepted
   *[declined] you declined
}.
pair-err-stale = This button is out of date.

## Participants' cards: they speak to the reader ("you"), no ranks of choices

pair-card-chosen = { $who ->
    [you] { $reader ->
        [mentor] you named this mentee yourself
       *[mentee] you named this mentor yourself
    }
   *[partner] { $reader ->
        [mentor] this mentee named you
       *[mentee] this mentor named you
    }
}
pair-card-chosen-both = you named each other
pair-card-reason-goals = { $reader ->
    [mentor] your strengths cover what is needed: { $items }
   *[mentee] the mentor is strong in what you need: { $items }
}

## Withdrawing an approved pair nobody answers

pair-counts-unanswered = ⏰ Still unanswered after the reminder: { $n }. You can withdraw such a pair under “Awaiting answers”.
pair-btn-waiting = ⏳ Awaiting answers ({ $n })
pair-waiting-title = ⏳ Approved pairs of “{ $programme }” awaiting the participants' answers: { $n }
pair-waiting-line = { $n }. { $mentor } — { $mentees } (approved { $date }){ $silent ->
    [yes] { " " }⏰ no answer after the reminder
   *[no] {""}
}
pair-btn-withdraw = ↩ Withdraw { $n }: { $mentor } — { $mentees }
pair-withdraw-ask = Withdraw the pair { $mentor } — { $mentees }? The participants will hear that it will not happen; the mentor's place is freed, and the pair may be proposed again.
pair-btn-withdraw-yes = ↩ Yes, withdraw
pair-btn-waiting-back = ⬅ Awaiting answers
pair-withdrawn-done = The pair is withdrawn; the participants have been told.
pair-withdrawn-by-curator-notice = The pair proposed to you in “{ $programme }”{ $partner_role ->
        [mentor] { " " }(your mentor: { $partner })
        [mentee] { " " }(your mentee: { $partner })
        [mentees] { " " }(your mentees: { $partner })
       *[none] {""}
    } was withdrawn by the curator — no need to answer the invitation any more. The curator will find you another option.

## Matching weights

pair-btn-weights = ⚖ Matching weights
pair-weights-title = ⚖ Matching weights of “{ $programme }”
pair-weights-hint = The higher a weight, the more that criterion counts in matching; 0 ignores it. Steps of 0.5, from 0 to 10. New weights apply from the next matching.
pair-weight-line = { $name }: { $value }
pair-weight-interests = Shared interests
pair-weight-goals = Goals and strengths
pair-weight-availability = Matching times
pair-weight-format = Meeting format
pair-weight-preference = A participant's choice
pair-weight-mutual_preference = Mutual choice
pair-weight-role_model = Role model
pair-btn-weights-reset = ↺ Reset to defaults
pair-weights-reset-done = The weights are back to the defaults.
pair-weights-saved = Saved: { $name } — { $value }.

pair-goals-prompt = Your pair in “{ $programme }” has started! Write down your goals — what you want to achieve with your mentor: /goals. You will mark your progress on them, and your mentor will see what to help with.
