language-name = English
language-choose = Выберите язык / Choose your language:
language-set = Done: I'll speak English now.

cmd-start = Start
cmd-help = Help
cmd-language = Language
cmd-cancel = Cancel the current action
cmd-profile = My profile
cmd-deleteme = Withdraw consent and erase my data
cmd-curator = Curator menu
cmd-meetings = Meetings: log a meeting, answer surveys
cmd-goals = Goals and progress
cmd-admin = Administration

start-guest =
    Hello! This bot runs mentoring programmes under the target model of mentoring.
    To register, open the invitation link your school's, college's or organisation's curator sent you.
start-participant = Welcome back, { $name }! Your profile: /profile. Help: /help.
start-curator = Hello! Curator menu: /curator. Help: /help.
start-admin = Hello, administrator! Regions, municipalities and organisations: /admin. Help: /help.
start-in-dialog = You are in the middle of a dialog. Carry on, or leave it with /cancel.
start-already-registered = You are already registered. To view or edit your profile: /profile.

invite-malformed = This invitation link is damaged. Ask your curator for a new one.
invite-unknown = No such invitation. Check the link or ask your curator for a new one.
invite-expired = This invitation has expired. Ask your curator for a new one.
invite-used-up = This invitation link has been used as many times as allowed. Ask your curator for a new one.
invite-revoked = Your curator has revoked this invitation. Ask them for a new one.
invite-curator-already = You are already a curator of “{ $unit }”. Menu: /curator.

help-guest = I help schools, colleges and education authorities run mentoring programmes. To register, open the invitation link from your curator.
help-mentee =
    You are a mentee.
    /profile — your profile (interests, goals, convenient times) and how to change it.
    /programmes — your mentoring programmes: choose whom you would like to work with.
    /meetings — meetings with your mentor: log a meeting, answer surveys; /goals — your goals and progress.
    /practices — best mentoring practices of your region.
help-mentor =
    You are a mentor.
    /profile — your profile (strengths, how many mentees you can take, convenient times) and how to change it.
    /programmes — your mentoring programmes: choose whom you would like to work with.
    /meetings — meetings with your mentees: log a meeting, answer surveys; /goals — your mentees' goals.
    /practices — best mentoring practices of your region.
help-curator =
    You are a curator.
    /curator — on top, what needs your attention (it also comes as one summary); your organisations, participants, parental consents and invitation links; programmes, pairs and pairs at risk; the roadmap, indicators against targets, XLSX reports.
    /practices — the best-practice bank: browse, submit a practice, approve.
help-admin =
    You are an administrator.
    /admin — regions, municipalities and organisations, invitations for curators.
help-common =
    /language — change the language
    /cancel — leave the current dialog
    /deleteme — withdraw your consent to the processing of personal data and erase your data

cancel-done = Cancelled. Nothing was changed.
cancel-nothing = There is nothing to cancel.

fallback-stale-button = This button is out of date. Please open the menu again.
fallback-in-dialog = I'm waiting for an answer to the question above: use the buttons or type your answer. To leave: /cancel.
fallback-unknown-command = I don't know that command. The list: /help.
fallback-unknown = I didn't understand that. What I can do: /help.

error-apology = Sorry, something went wrong. We're looking into it; please try again a bit later.

digest-new-registrations =
    { $unit }: { $total ->
        [one] { $total } new participant
       *[other] { $total } new participants
    } ({ $mentors } mentors, { $mentees } mentees).
    { $awaiting ->
        [0] Nobody is waiting for parental consent.
       *[other] Waiting for parental consent to be confirmed: { $awaiting }.
    }
    Details: /curator

consent-confirmed-notice = Your curator has confirmed your parents' consent. You are now a full participant of the mentoring programme! Your profile: /profile
consent-undone-notice = Your curator has withdrawn the note that your parents' consent was confirmed: it was made by mistake. I will let you know as soon as it is confirmed. Your profile: /profile
