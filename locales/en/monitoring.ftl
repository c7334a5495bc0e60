## Monitoring and completing a programme (handlers/monitoring.py, domain/pairing.py: end_pair, end_programme)

mon-btn-monitoring = 📊 Monitoring and completion

## The programme's monitoring screen

mon-title = 📊 Monitoring of “{ $programme }”
mon-programme-finished = 🏁 The programme was finished on { $date }.
mon-pairs = Pairs: active — { $active }, ended — { $ended }, dissolved early — { $dissolved }
mon-meetings = Meetings in the last { $days } { $days ->
    [one] day
   *[other] days
}: { $n }
mon-at-risk = ⚠️ At risk: { $n } { $n ->
    [one] pair
   *[other] pairs
}
mon-at-risk-none = No pairs at risk.
mon-surveys = Surveys:
mon-survey-start = Start survey
mon-survey-end = Final survey
mon-survey-not-launched = • { $survey }: not launched
mon-survey-launched = • { $survey }: launched on { $date }, { $done } of { $invited } answered
mon-survey-closed = • { $survey }: closed (launched on { $date }), { $done } of { $invited } answered
mon-btn-risk-pair = ⚠️ { $mentor } — { $mentees }
mon-btn-launch-start = 🚀 Start survey
mon-btn-launch-end = 📝 Final survey
mon-btn-active = 👥 Active pairs ({ $n })
mon-btn-finish = 🏁 Finish the programme
mon-btn-programme = ⬅ To the programme
mon-btn-back = ⬅ To monitoring
mon-btn-back-active = ⬅ To active pairs
mon-btn-cancel = Cancel

## Reasons for risk

mon-reason-no-meeting = no meeting for { $n } { $n ->
    [one] day
   *[other] days
}
mon-reason-low-rating = a low survey rating ({ $n } out of 10)
mon-reason-fit-declined = a participant feels the pair is not a good match
mon-reason-unreachable = { $n } { $n ->
    [one] participant has
   *[other] participants have
} blocked the bot

## The pair's screen

mon-pair-title = 🤝 A pair of “{ $programme }”
mon-pair-mentor = Mentor: { $name }
mon-pair-mentees = { $n ->
    [1] Mentee
   *[other] Mentees
}: { $names }
mon-pair-status = Status: { $status }
mon-pair-status-closed = Status: { $status } on { $date }
mon-status-proposed = proposed
mon-status-approved = waiting for the participants
mon-status-active = active
mon-status-ended = ended
mon-status-dissolved = dissolved early
mon-status-rejected = rejected by the curator
mon-status-declined = declined by a participant
mon-status-withdrawn = withdrawn
mon-pair-since = Working since { $date }
mon-pair-risk = ⚠️ At risk: { $reasons }
mon-pair-meetings = { $n ->
    [0] No meetings yet.
    [1] One meeting:
   *[other] { $n } meetings, the latest:
}
mon-format-offline = in person
mon-format-online = online
mon-meeting-line = • { $date } · { $format } · { $minutes } min
mon-meeting-line-short = • { $date } · { $format }
mon-pair-goals = { $n ->
    [0] No goals yet.
    [one] { $n } goal:
   *[other] { $n } goals:
}
mon-goal-line = • { $who }: { $text } — { $progress } %{ $done ->
    [yes] {" "}✅
   *[other] {""}
}
mon-pair-surveys = Latest survey ratings (1 to 10):
mon-pair-no-surveys = No surveys about the pair yet.
mon-role-mentor = mentor
mon-role-mentee = mentee
mon-survey-score = • { $who } ({ $role }), { $date }: average { $mean }, lowest { $low }{ $warn ->
    [yes] {" "}⚠️
   *[other] {""}
}
mon-pair-fits = Is it a good match:
mon-fit-yes = • { $who }: yes
mon-fit-no = • { $who }: no — “{ $reason }”
mon-btn-end-pair = 🏁 End the pair
mon-btn-dissolve = ✂ Dissolve
mon-btn-rematch = 🔄 Find a replacement
mon-btn-open-pair = 🤝 Open the pair
mon-btn-pair-line = { $n }. { $mentor } — { $mentees }

## Ending a pair

mon-end-ask = End the pair { $mentor } — { $mentees }?
    Its participants get the final survey with a thank-you (unless they have other active pairs).
mon-dissolve-ask = Dissolve the pair { $mentor } — { $mentees } early?
    This combination will never be proposed again. The participants will be told.
mon-btn-end-yes = ✅ Yes, end it
mon-btn-dissolve-yes = ✂ Yes, dissolve it
mon-ended = ✅ The pair has ended. { $n ->
    [0] No final survey invitations were sent.
    [one] { $n } final survey invitation was sent.
   *[other] { $n } final survey invitations were sent.
}
mon-dissolved = ✂ The pair was dissolved early.
mon-pair-not-active = This pair is no longer active. Nothing was changed.
mon-dissolved-notice = The curator has ended your pair in “{ $programme }” early. Thank you for taking part! If a new pair is found for you, you will get an invitation.

## Re-matching

mon-rematch-ask = 🔄 A replacement for the pair { $mentor } — { $mentees }.
    The pair will be dissolved early first: this combination will never be proposed again, and the participants will be told. Then I will suggest suitable mentors.
mon-btn-rematch-yes = ✂ Dissolve and find a replacement
mon-rematch-title = 🔄 A replacement for the pair { $mentor } — { $mentees }
mon-rematch-for = { $n ->
    [0] No suitable mentor with a free place for { $mentee }.
   *[other] The best mentors for { $mentee }:
}
mon-rematch-line = • { $mentor } — compatibility { $percent } %
mon-rematch-taken = { $mentee } is in a new pair already.
mon-rematch-left = { $mentee } no longer takes part in the programme.
mon-btn-pair-with = 🤝 { $mentor } + { $mentee } ({ $percent } %)
mon-btn-manual = ✍ Pair by hand

## Surveys

mon-launch-ask-start = Launch the start survey of “{ $programme }”?
    Every participant of the programme gets an invitation (once).
mon-launch-ask-end = Launch the final survey of “{ $programme }”?
    The participants of active and ended pairs get an invitation with a thank-you (once).
mon-launch-ask-more = { $survey } of “{ $programme }” is launched already. Invite those who have not had an invitation? { $n ->
    [one] That is { $n } participant.
   *[other] That is { $n } participants.
}
mon-btn-launch-yes = ✅ Launch
mon-launched = ✅ { $survey } launched: { $n } { $n ->
    [one] invitation
   *[other] invitations
} sent.
mon-launched-more = { $survey } was launched already: { $n } more { $n ->
    [one] invitation
   *[other] invitations
} sent to those who had none.
mon-launch-already = { $survey } is launched already: invitations are not sent again.
mon-launch-closed = { $survey } is closed: it cannot be launched again.

## Finishing the programme

mon-finish-ask = Finish the programme “{ $programme }”?
    { $n ->
        [0] There are no active pairs.
        [one] { $n } active pair will be ended.
       *[other] { $n } active pairs will be ended.
    } Open proposals will be withdrawn, and the participants get the final survey with a thank-you. This cannot be undone.
mon-btn-finish-yes = 🏁 Yes, finish the programme
mon-finished = 🏁 The programme is finished. Pairs ended: { $pairs }. Final survey invitations: { $n }.
mon-programme-finished-already = The programme is finished already. Nothing was changed.
