"""Feedback surveys (domain.surveys): definitions as data, the pure engine, answers on real databases."""
from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from db.models import OutboxMessage, Programme, ProgrammeMember, SurveyOccasion, SurveyResponse
from domain import checkins, surveys
from domain.outbox import is_relevant
from domain.rules import Invalid
from domain.surveys import Definition, DefinitionError, Item, Option
from tests.test_checkins import World, at, member, pair, seed

FORMS = ("student_student", "teacher_teacher", "teacher_student", "college_school", "employer_student",
         "employer_collegian")


# =============================================================================================
# definitions
# =============================================================================================
def test_every_definition_loads_and_validates():
    defs = surveys.load_definitions()
    assert {(d.occasion, d.role) for d in defs.values()} == {(o, r) for o in surveys.OCCASIONS for r in surveys.ROLES}
    for d in defs.values():
        assert len({i.id for i in d.items}) == len(d.items)
        assert all(i.type in surveys.ITEM_TYPES for i in d.items)
        assert d.version >= 1
    # the monitoring items of the target model are all asked at the end
    end = surveys.select_definition("end", "mentee", "student_student")
    types = {i.id: i.type for i in end.items}
    for item_id in ("comfort", "useful", "clarity", "support", "satisfaction", "expectations_met"):
        assert types[item_id] == "scale"
    assert types["would_continue"] == types["would_mentor"] == "yesno"
    assert types["frequency_actual"] == "single"
    assert any(t == "text" for t in types.values())
    assert surveys.select_definition("start", "mentee", None).item("expectations").type == "multi"


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("occasion", surveys.OCCASIONS)
@pytest.mark.parametrize("role", surveys.ROLES)
def test_a_definition_for_every_occasion_role_and_form(occasion, role, form):
    d = surveys.select_definition(occasion, role, form)
    assert d.occasion == occasion and d.role in (role, "any")
    assert d.forms is None or form in d.forms


def test_selection_prefers_the_form_then_falls_back():
    assert surveys.select_definition("end", "mentee", "teacher_teacher").code == "end-mentee-tt"
    assert surveys.select_definition("end", "mentee", "student_student").code == "end-mentee"
    assert surveys.select_definition("end", "mentee", None).code == "end-mentee"
    assert surveys.select_definition("end", "mentor", "teacher_teacher").code == "end-mentor"
    with pytest.raises(Invalid):
        surveys.select_definition("graduation", "mentee", None)


GOOD = {
    "code": "x-test", "version": 1, "occasion": "meeting", "role": "mentee", "forms": None, "title_key": "sv-t",
    "items": [
        {"id": "a", "type": "scale", "required": True, "text_key": "sv-a"},
        {"id": "b", "type": "single", "required": True, "text_key": "sv-b",
         "options": [{"code": "x", "text_key": "sv-x"}, {"code": "y", "text_key": "sv-y"}]},
        {"id": "c", "type": "text", "required": False, "text_key": "sv-c", "max_len": 100},
    ],
}


def _broken(path: str, value, *, delete: bool = False) -> dict:
    raw = copy.deepcopy(GOOD)
    target = raw
    keys = path.split(".")
    for k in keys[:-1]:
        target = target[int(k)] if k.isdigit() else target[k]
    last = int(keys[-1]) if keys[-1].isdigit() else keys[-1]
    if delete:
        del target[last]
    else:
        target[last] = value
    return raw


@pytest.mark.parametrize("raw,message", [
    (_broken("items.1.id", "a"), "duplicate id"),
    (_broken("items.0.type", "slider"), "type must be"),
    (_broken("items.1.options", [{"code": "x", "text_key": "sv-x"}]), "at least two options"),
    (_broken("items.1.options.1.code", "x"), "duplicate option"),
    (_broken("items.2.max_len", None, delete=True), "max_len"),
    (_broken("items.2.max_len", 5000), "max_len"),
    (_broken("items.0.max_len", 10), "only text items"),
    (_broken("items.0.options", []), "only single and multi"),
    (_broken("items.0.required", "yes"), "required"),
    (_broken("items.0.text_key", "Not A Key"), "text_key"),
    (_broken("items.0.id", "Bad Id"), "id must"),
    (_broken("items.0.colour", "red"), "unknown fields"),
    (_broken("items", []), "non-empty"),
    (_broken("version", 0), "version"),
    (_broken("version", "1"), "version"),
    (_broken("occasion", "graduation"), "occasion"),
    (_broken("role", "curator"), "role"),
    (_broken("forms", ["no_such_form"]), "unknown forms"),
    (_broken("forms", []), "forms"),
    (_broken("code", "X Test"), "code"),
])
def test_malformed_definitions_are_refused(raw, message):
    with pytest.raises(DefinitionError, match=message):
        surveys.parse_definition(raw, "test.json")


def test_multi_max_choices_validated():
    raw = copy.deepcopy(GOOD)
    raw["items"][1]["type"] = "multi"
    raw["items"][1]["max_choices"] = 3
    with pytest.raises(DefinitionError, match="max_choices"):
        surveys.parse_definition(raw)
    raw["items"][1]["max_choices"] = 2
    assert surveys.parse_definition(raw).items[1].max_choices == 2


def test_catalogue_rules(tmp_path):
    # file name and content must agree
    (tmp_path / "x-test.v2.json").write_text(json.dumps(GOOD), encoding="utf-8")
    with pytest.raises(DefinitionError, match="file name"):
        surveys.load_definitions(tmp_path)
    (tmp_path / "x-test.v2.json").unlink()
    (tmp_path / "x-test.json").write_text(json.dumps(GOOD), encoding="utf-8")
    with pytest.raises(DefinitionError, match="file names"):
        surveys.load_definitions(tmp_path)
    (tmp_path / "x-test.json").unlink()
    # a catalogue missing occasions is refused
    (tmp_path / "x-test.v1.json").write_text(json.dumps(GOOD), encoding="utf-8")
    with pytest.raises(DefinitionError, match="no (meeting|start|end) survey for a"):
        surveys.load_definitions(tmp_path)
    # two equally good definitions are ambiguous; a version may not change its role
    defs = dict(surveys.definitions())
    twin = surveys.parse_definition({**GOOD, "code": "meeting-twin"})
    with pytest.raises(DefinitionError, match="ambiguous"):
        surveys.check_catalogue({**defs, ("meeting-twin", 1): twin}, FORMS)
    moved = surveys.parse_definition({**GOOD, "code": "meeting-mentor", "version": 2, "role": "mentee"})
    with pytest.raises(DefinitionError, match="keep its occasion and role"):
        surveys.check_catalogue({**defs, ("meeting-mentor", 2): moved}, FORMS)
    # a newer version of a code replaces the older one for new responses
    v2 = surveys.parse_definition({**GOOD, "code": "meeting-mentee", "version": 2})
    surveys.check_catalogue({**defs, ("meeting-mentee", 2): v2}, FORMS)


# =============================================================================================
# the engine
# =============================================================================================
SCALE = Item("s", "scale", True, "k")
SINGLE = Item("o", "single", True, "k", (Option("weekly", "k1"), Option("monthly", "k2")))
MULTI = Item("m", "multi", True, "k", (Option("a", "k1"), Option("b", "k2"), Option("c", "k3")), max_choices=2)
YESNO = Item("y", "yesno", True, "k")
TEXT = Item("t", "text", False, "k", max_len=20)


@pytest.mark.parametrize("item,raw,value", [
    (SCALE, 1, 1), (SCALE, 10, 10), (SCALE, " 7 ", 7), (SCALE, "10", 10),
    (SINGLE, "weekly", "weekly"), (SINGLE, " monthly ", "monthly"),
    (MULTI, ["c", "a"], ["a", "c"]), (MULTI, "b, a", ["a", "b"]), (MULTI, ("a", "a"), ["a"]),
    (YESNO, True, True), (YESNO, False, False), (YESNO, "y", True), (YESNO, "No", False), (YESNO, "1", True),
    (TEXT, "  Всё хорошо  ", "Всё хорошо"), (TEXT, "x" * 20, "x" * 20),
])
def test_valid_answers(item, raw, value):
    assert surveys.validate_answer(item, raw) == value


@pytest.mark.parametrize("item,raw,code", [
    (SCALE, "seven", "scale-format"), (SCALE, "7.5", "scale-format"), (SCALE, "", "scale-format"),
    (SCALE, None, "scale-format"), (SCALE, True, "scale-format"), (SCALE, 7.0, "scale-format"),
    (SCALE, ["7"], "scale-format"),
    (SCALE, 0, "scale-range"), (SCALE, 11, "scale-range"), (SCALE, "100", "scale-range"), (SCALE, -3, "scale-range"),
    (SINGLE, "daily", "option-unknown"), (SINGLE, None, "option-unknown"), (SINGLE, 1, "option-unknown"),
    (MULTI, ["a", "z"], "option-unknown"), (MULTI, [], "choice-empty"), (MULTI, "", "choice-empty"),
    (MULTI, ["a", "b", "c"], "choice-too-many"), (MULTI, 5, "option-unknown"),
    (YESNO, "maybe", "yesno"), (YESNO, 2, "yesno"), (YESNO, None, "yesno"),
    (TEXT, "   ", "text-empty"), (TEXT, None, "text-empty"), (TEXT, "x" * 21, "text-too-long"),
])
def test_invalid_answers(item, raw, code):
    with pytest.raises(Invalid) as exc:
        surveys.validate_answer(item, raw)
    assert exc.value.code == code
    assert code in surveys.INVALID_CODES
    if code == "text-too-long":
        assert exc.value.params == {"max": 20}
    if code.startswith("scale"):
        assert exc.value.params == {"min": 1, "max": 10}


def test_skip_only_optional_items():
    assert surveys.skip(TEXT) is None
    with pytest.raises(Invalid) as exc:
        surveys.skip(SCALE)
    assert exc.value.code == "required"


def test_engine_walks_items_in_order_with_stale_and_done():
    d = Definition("x", 1, "meeting", "mentee", None, "t", (SCALE, YESNO, TEXT))
    answers: dict = {}
    assert surveys.next_item(d, answers) == SCALE and surveys.position(d, answers) == 0
    with pytest.raises(Invalid) as exc:
        surveys.apply_answer(d, answers, "y", True)  # not the current item
    assert exc.value.code == "stale"
    answers = surveys.apply_answer(d, answers, "s", "8")
    answers = surveys.apply_answer(d, answers, "y", "n")
    assert surveys.next_item(d, answers) == TEXT and not surveys.is_complete(d, answers)
    with pytest.raises(Invalid):
        surveys.apply_answer(d, answers, "s", 9)  # an old button: the scale was answered already
    answers = surveys.apply_answer(d, answers, "t", None, skipping=True)
    assert answers == {"s": 8, "y": False, "t": None}
    assert surveys.is_complete(d, answers) and surveys.position(d, answers) == 3
    with pytest.raises(Invalid) as exc:
        surveys.apply_answer(d, answers, "t", "late")
    assert exc.value.code == "done"


def test_callback_data():
    assert surveys.open_callback("meeting:12") == "ws:m:12"
    assert surveys.parse_open_callback("ws:e:3") == "end:3"
    for bad in ("ws:x:3", "ws:m:a", "ws:m", "wa:1:2:3"):
        with pytest.raises(Invalid):
            surveys.parse_open_callback(bad)
    assert surveys.answer_callback(5, "would_continue", True) == "wa:5:would_continue:y"
    assert surveys.parse_answer_callback("wa:5:useful:7") == (5, "useful", "7")
    assert surveys.parse_answer_callback(surveys.skip_callback(5, "comment")) == (5, "comment", None)
    with pytest.raises(Invalid) as exc:
        surveys.parse_answer_callback("wa:x:useful:7")
    assert exc.value.code == "stale"
    longest = max((i.id for d in surveys.definitions().values() for i in d.items), key=len)
    assert len(surveys.answer_callback(2**31, longest, "employer_collegian").encode()) <= 64
    with pytest.raises(Invalid):
        surveys.parse_occasion("meeting:")
    with pytest.raises(Invalid):
        surveys.occasion_key("party", 1)


# =============================================================================================
# answers on a real database
# =============================================================================================
async def _meeting(s, world: World, now, *, pair_name="P1", who="E1", day="today"):
    logged = await checkins.log_meeting(s, await pair(s, world, pair_name), await member(s, world, who), day,
                                        "offline", 45, None, now)
    return logged.occasion


async def test_meeting_survey_resumes_after_interruption_and_is_answered_once(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-10", 12)
    async with sessionmaker() as s:
        occasion = await _meeting(s, world, now)
        e1 = await member(s, world, "E1")
        response = await surveys.start_or_resume(s, e1, occasion, now)
        assert (response.survey_code, response.survey_version, response.role, response.kind) == \
            ("meeting-mentee", 1, "mentee", "meeting")
        assert response.pair_id == world.pair["P1"] and response.programme_id == world.programme_id
        assert surveys.current_item(response).id == "useful"
        # bad input changes nothing
        for raw, code in [("seven", "scale-format"), (11, "scale-range"), ("0", "scale-range")]:
            with pytest.raises(Invalid) as exc:
                await surveys.answer(s, response, "useful", raw, now)
            assert exc.value.code == code
        assert await surveys.answer(s, response, "useful", "8", now) == response_item(response, "comfort")
        # a button from an earlier question
        with pytest.raises(Invalid) as exc:
            await surveys.answer(s, response, "useful", 9, now)
        assert exc.value.code == "stale"
        # a required item cannot be skipped
        with pytest.raises(Invalid) as exc:
            await surveys.skip_item(s, response, "comfort", now)
        assert exc.value.code == "required"
        await surveys.answer(s, response, "comfort", 9, now)
        await s.commit()
    # interrupted: later, in another session, the same response continues where it stopped
    later = now + timedelta(hours=5)
    async with sessionmaker() as s:
        e1 = await member(s, world, "E1")
        response = await surveys.start_or_resume(s, e1, occasion, later)
        assert response.answers == {"useful": 8, "comfort": 9} and response.position == 2
        assert surveys.current_item(response).id == "clarity"
        assert await s.scalar(select(SurveyResponse.id).where(SurveyResponse.id != response.id)) is None
        await surveys.answer(s, response, "clarity", 7, later)
        await surveys.answer(s, response, "next_planned", "n", later)
        with pytest.raises(Invalid) as exc:
            await surveys.answer(s, response, "comment", "x" * 501, later)
        assert exc.value.code == "text-too-long" and exc.value.params == {"max": 500}
        assert await surveys.skip_item(s, response, "comment", later) is None
        assert response.completed_at == later and response.answers["comment"] is None
        assert response.answers == {"useful": 8, "comfort": 9, "clarity": 7, "next_planned": False, "comment": None}
        # each person answers each occasion once
        with pytest.raises(Invalid) as exc:
            await surveys.start_or_resume(s, e1, occasion, later)
        assert exc.value.code == "done"
        with pytest.raises(Invalid) as exc:
            await surveys.answer(s, response, "comment", "more", later)
        assert exc.value.code == "done"
        # the mentor's own response to the same meeting is separate, with the mentor's questions
        m1 = await member(s, world, "M1")
        theirs = await surveys.start_or_resume(s, m1, occasion, later)
        assert theirs.id != response.id and theirs.survey_code == "meeting-mentor"
        await s.commit()


def response_item(response, item_id):
    return surveys.definition_of(response).item(item_id)


async def test_who_may_answer_and_when(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-10", 12)
    async with sessionmaker() as s:
        occasion = await _meeting(s, world, now)
        # a meeting logged by someone outside the pair cannot exist; answering it neither
        for name in ("E2", "M2"):
            with pytest.raises(Invalid) as exc:
                await surveys.start_or_resume(s, await member(s, world, name), occasion, now)
            assert exc.value.code == "not-yours"
        with pytest.raises(Invalid) as exc:
            await surveys.start_or_resume(s, await member(s, world, "E1"), "meeting:999999", now)
        assert exc.value.code == "not-open"
        # a pair that does not match the meeting
        with pytest.raises(Invalid) as exc:
            await surveys.start_or_resume(s, await member(s, world, "E1"), occasion, now,
                                          pair=await pair(s, world, "P2"))
        assert exc.value.code == "not-yours"
        # a mentor definition for a mentee is refused
        with pytest.raises(Invalid):
            await surveys.start_or_resume(s, await member(s, world, "E1"), occasion, now,
                                          definition=surveys.select_definition("meeting", "mentor", None))
        # a meeting survey closes MEETING_SURVEY_OPEN after the meeting
        with pytest.raises(Invalid) as exc:
            await surveys.start_or_resume(s, await member(s, world, "E1"), occasion,
                                          now + surveys.MEETING_SURVEY_OPEN)
        assert exc.value.code == "closed"
        response = await surveys.start_or_resume(s, await member(s, world, "E1"), occasion, now)
        await surveys.answer(s, response, "useful", 5, now)
        with pytest.raises(Invalid) as exc:
            await surveys.answer(s, response, "comfort", 5, now + surveys.MEETING_SURVEY_OPEN)
        assert exc.value.code == "closed"
        # someone who left the programme
        m1 = await member(s, world, "M1")
        m1.left_at = now
        await s.flush()
        with pytest.raises(Invalid) as exc:
            await surveys.start_or_resume(s, m1, occasion, now)
        assert exc.value.code == "not-yours"
        # buttons carry response ids: only the owner's user gets the response
        assert (await surveys.response_of_user(s, response.id, world.user["E1"])).id == response.id
        for user_id in (world.user["E2"], None):
            with pytest.raises(Invalid):
                await surveys.response_of_user(s, response.id, user_id)


async def test_start_and_end_surveys_launched_by_the_curator_and_closed(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-02", 12)
    async with sessionmaker() as s:
        prog = await s.get(Programme, world.programme_id)
        e1 = await member(s, world, "E1")
        start = surveys.occasion_key("start", prog.id)
        with pytest.raises(Invalid) as exc:
            await surveys.start_or_resume(s, e1, start, now)
        assert exc.value.code == "not-open"
        # the start survey goes to every present member
        assert await surveys.launch(s, prog, "start", now, by_user_id=world.curator_user_id) == 7
        assert await surveys.launch(s, prog, "start", now) == 0  # invited once
        invites = (await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == surveys.KIND_INVITE))).all()
        assert {r.payload["key"] for r in invites} == {"sv-invite-start"}
        assert invites[0].payload["args"] == {"programme": "Наставники 2026"}
        assert invites[0].payload["buttons"][0][0]["callback_data"] == f"ws:s:{prog.id}"
        assert surveys.parse_open_callback(invites[0].payload["buttons"][0][0]["callback_data"]) == start

        response = await surveys.start_or_resume(s, e1, start, now)
        assert response.survey_code == "start-mentee" and response.pair_id == world.pair["P1"]
        await surveys.answer(s, response, "expectations", ["career", "exams"], now)
        assert response.answers["expectations"] == ["exams", "career"]
        with pytest.raises(Invalid) as exc:
            await surveys.answer(s, response, "motivation", "very", now)
        assert exc.value.code == "scale-format"
        await surveys.answer(s, response, "motivation", 6, now)
        # the mentor of two pairs: the response is about no single pair
        mentor = await surveys.start_or_resume(s, await member(s, world, "M1"), start, now)
        assert mentor.survey_code == "start-mentor" and mentor.pair_id is None

        # the curator closes it: unfinished responses are closed and refuse answers; so do late starters
        assert await surveys.close_occasion(s, start, now + timedelta(days=14)) == 2
        with pytest.raises(Invalid) as exc:
            await surveys.answer(s, response, "confidence", 5, now + timedelta(days=14))
        assert exc.value.code == "closed"
        with pytest.raises(Invalid) as exc:
            await surveys.start_or_resume(s, e1, start, now + timedelta(days=14))
        assert exc.value.code == "closed"
        with pytest.raises(Invalid) as exc:
            await surveys.start_or_resume(s, await member(s, world, "E2"), start, now + timedelta(days=14))
        assert exc.value.code == "closed"
        with pytest.raises(Invalid) as exc:
            await surveys.launch(s, prog, "start", now + timedelta(days=15))
        assert exc.value.code == "closed"
        # the invitations still queued are dropped
        assert not any([await is_relevant(s, r) for r in invites])
        assert response.answers == {"expectations": ["exams", "career"], "motivation": 6}  # kept

        # the end survey: only people who worked in a pair (active or ended); it thanks them
        end_at = now + timedelta(days=30)
        (await pair(s, world, "P3")).status = "rejected"  # P3 never worked: E3 and E4 are not asked
        await s.flush()
        assert await surveys.launch(s, prog, "end", end_at) == 5  # M1, M2 (P4 ended), E1, E2, E5
        assert await surveys.launch(s, prog, "end", end_at) == 0  # invited once
        ends = (await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == surveys.KIND_INVITE,
                                                             OutboxMessage.dedupe_key.like("%:end:%")))).all()
        assert len(ends) == 5 and {r.payload["key"] for r in ends} == {"sv-invite-end"}
        assert all([await is_relevant(s, r) for r in ends])


async def test_end_survey_for_a_pair_ending_early_and_invitation_relevance(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-20", 12)
    async with sessionmaker() as s:
        prog = await s.get(Programme, world.programme_id)
        p1 = await pair(s, world, "P1")
        ids = [p1.mentor_member_id, world.member["E1"]]
        assert await surveys.launch(s, prog, "end", now, member_ids=ids) == 2
        rows = {r.user_id: r for r in (await s.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == surveys.KIND_INVITE))).all()}
        assert set(rows) == {world.user["M1"], world.user["E1"]}
        assert rows[world.user["E1"]].payload["key"] == "sv-invite-end"
        e1 = await member(s, world, "E1")
        response = await surveys.start_or_resume(s, e1, surveys.occasion_key("end", prog.id), now)
        assert response.survey_code == "end-mentee"
        answers = {"satisfaction": 9, "expectations_met": 8, "comfort": 9, "useful": 8, "clarity": 7, "support": 9,
                   "motivation": 8, "growth": 7, "frequency_actual": "biweekly", "frequency_fit": "right",
                   "would_continue": "y", "would_mentor": "n"}
        for item_id, raw in answers.items():
            await surveys.answer(s, response, item_id, raw, now)
        await surveys.answer(s, response, "best", "Проект", now)
        assert await surveys.skip_item(s, response, "improve", now) is None
        assert response.completed_at == now
        # answered: the invitation still queued is dropped; the mentor's stays
        assert not await is_relevant(s, rows[world.user["E1"]])
        assert await is_relevant(s, rows[world.user["M1"]])
        # the person leaves: dropped
        (await member(s, world, "M1")).left_at = now
        await s.flush()
        assert not await is_relevant(s, rows[world.user["M1"]])
        # at the programme's end everyone is invited, but not those who answered already
        assert await surveys.launch(s, prog, "end", now + timedelta(days=100)) == 5  # M2, E2, E3, E4, E5


async def test_meeting_invitation_dropped_when_the_pair_ends(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-10", 12)
    async with sessionmaker() as s:
        await _meeting(s, world, now)
        [row] = (await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == surveys.KIND_INVITE))).all()
        assert row.user_id == world.user["M1"] and await is_relevant(s, row)
        (await pair(s, world, "P1")).status = "dissolved"
        await s.flush()
        assert not await is_relevant(s, row)


async def test_form_specific_end_survey(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"), form="teacher_teacher")
    now = at("2026-11-20", 12)
    async with sessionmaker() as s:
        prog = await s.get(Programme, world.programme_id)
        await surveys.open_occasion(s, prog, "end", now)
        response = await surveys.start_or_resume(s, await member(s, world, "E1"), f"end:{prog.id}", now)
        assert response.survey_code == "end-mentee-tt"
        assert surveys.definition_of(response).item("adaptation").type == "scale"
        occasion_row = await s.scalar(select(SurveyOccasion))
        assert occasion_row.key == f"end:{prog.id}" and occasion_row.closed_at is None


async def test_results_average_each_scale_item_by_form(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-10", 12)
    async with sessionmaker() as s:
        for pair_name, who, day, useful, planned in [("P1", "E1", "09.11.2026", 8, "y"), ("P2", "E2", "09.11.2026", 5, "n"),
                                                     ("P1", "E1", "10.11.2026", 9, "y")]:
            occasion = await _meeting(s, world, now, pair_name=pair_name, who=who, day=day)
            response = await surveys.start_or_resume(s, await member(s, world, who), occasion, now)
            for item_id, raw in [("useful", useful), ("comfort", 6), ("clarity", 7), ("next_planned", planned)]:
                await surveys.answer(s, response, item_id, raw, now)
            await surveys.answer(s, response, "comment", "личное", now)
        # an unfinished one does not count
        occasion = await _meeting(s, world, now, pair_name="P3", who="E3", day="09.11.2026")
        response = await surveys.start_or_resume(s, await member(s, world, "E3"), occasion, now)
        await surveys.answer(s, response, "useful", 1, now)

        results = {r.item_id: r for r in await surveys.item_results(s, programme_ids=[world.programme_id],
                                                                    kind="meeting")}
        assert set(results) == {"useful", "comfort", "clarity", "next_planned"}  # free text is never aggregated
        assert results["useful"].count == 3 and results["useful"].mean == pytest.approx(7.33)
        assert results["next_planned"].yes_share == pytest.approx(0.667)
        assert results["useful"].form == "teacher_student" and results["useful"].role == "mentee"
        averages = await surveys.scale_averages(s)
        assert averages[("teacher_student", "useful")] == pytest.approx(7.33)
        assert averages[("teacher_student", "comfort")] == 6
        assert await surveys.item_results(s, programme_ids=[world.programme_id + 1]) == []


async def test_start_twice_returns_the_same_response(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-10", 12)
    async with sessionmaker() as s:
        occasion = await _meeting(s, world, now)
        e1: ProgrammeMember = await member(s, world, "E1")
        first = await surveys.start_or_resume(s, e1, occasion, now)
        second = await surveys.start_or_resume(s, e1, occasion, now + timedelta(minutes=1))
        assert first.id == second.id
        assert await s.scalar(select(SurveyResponse.id).where(SurveyResponse.id != first.id)) is None


async def test_surveys_skip_minors_still_awaiting_parental_consent(sessionmaker):
    from db.models import Participant

    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-02", 12)
    async with sessionmaker() as s:
        prog = await s.get(Programme, world.programme_id)
        e1 = await member(s, world, "E1")
        (await s.get(Participant, e1.participant_id)).status = "awaiting_consent"
        await s.flush()
        assert await surveys.launch(s, prog, "start", now, by_user_id=world.curator_user_id) == 6
        invited = (await s.scalars(select(OutboxMessage.user_id).where(OutboxMessage.kind == surveys.KIND_INVITE))).all()
        e1_user = (await s.get(Participant, e1.participant_id)).user_id
        assert e1_user not in invited and len(invited) == 6


async def test_a_minor_back_to_awaiting_consent_gets_no_meeting_survey_and_no_check_in(sessionmaker):
    """A pair's mentee whose birth-year edit sent them back to awaiting a parent's consent: no
    meeting-survey invitation, a queued one is dropped, the survey is refused, no check-in."""
    from db.models import CheckIn, Participant

    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-10", 12)
    async with sessionmaker() as s:
        e1 = await member(s, world, "E1")
        first = await _meeting(s, world, now, who="M1", day="09.11.2026")  # E1 is invited
        [row] = (await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == surveys.KIND_INVITE))).all()
        assert row.user_id == world.user["E1"] and await is_relevant(s, row)
        (await s.get(Participant, e1.participant_id)).status = "awaiting_consent"
        await s.flush()
        assert not await is_relevant(s, row)
        with pytest.raises(Invalid) as exc:
            await surveys.start_or_resume(s, e1, first, now)
        assert exc.value.code == "consent"
        await _meeting(s, world, now, who="M1", day="today")
        invited = (await s.scalars(select(OutboxMessage.user_id).where(OutboxMessage.kind == surveys.KIND_INVITE))).all()
        assert invited == [world.user["E1"]]  # the first one only
        await checkins.due_checkins(s, at("2026-12-20", 12))
        asked = set((await s.scalars(select(CheckIn.participant_id))).all())
        assert asked and e1.participant_id not in asked
