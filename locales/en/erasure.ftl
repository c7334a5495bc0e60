## A participant deleted their data (/deleteme) while in a pair or group: domain/erasure.py.
## The person who left is never named: their data is gone, and no message keeps it.

# Instead of the name of a participant who deleted their data: pair history, curators' screens, reports.
person-erased = (participant deleted their data)

# To those still in the pair or group. $who: the role of the one who left (mentor | mentee); $group: yes | no.
pair-erased-partner-ended = { $who ->
        [mentor] Your mentor
       *[mentee] Your mentee
    } deleted their data from the bot, so { $group ->
        [yes] your group
       *[no] your pair
    } in “{ $programme }” has ended. { $who ->
        [mentor] The programme's curator already knows and will find you a new mentor.
       *[mentee] The programme's curator already knows.
    }
# The group goes on without the mentee who left. $n: how many mentees are left.
pair-erased-partner-left = One of the mentees of your group in “{ $programme }” deleted their data from the bot and no longer takes part. The group goes on: mentor { $mentor }, { $n ->
        [one] mentee { $mentees }
       *[other] mentees { $mentees }
    }.

# To the programme's curators. $pending: yes when the pair was approved but had not started;
# $mentor: the mentor, when still there ($has_mentor = yes); $mentees: the mentees still there ($n).
pair-erased-curator-ended = “{ $programme }”: { $who ->
        [mentor] a mentor
       *[mentee] a mentee
    } deleted their data from the bot, so { $pending ->
        [yes] the approved { $group ->
            [yes] group
           *[no] pair
        } will not start
       *[no] the { $group ->
            [yes] group
           *[no] pair
        } is dissolved early
    }.{ $who ->
        [mentor] { $n ->
            [0] {""}
           *[other] {" "}A new mentor is needed for: { $mentees }.
        }
       *[mentee] { $has_mentor ->
            [yes] {" "}A place is free with mentor { $mentor }.
           *[no] {""}
        }
    }
pair-erased-curator-left = “{ $programme }”: a mentee of the group of mentor { $mentor } deleted their data from the bot and has left it. The group goes on with { $n ->
        [one] mentee { $mentees }
       *[other] mentees { $mentees }
    }.
