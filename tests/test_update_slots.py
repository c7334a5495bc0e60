"""UPDATES_CONCURRENCY (bot.middlewares.StateInSession): at most that many updates are handled
at once, admitted in the order they came; a slot is taken only after the sender's own lock, so
one person's further updates, waiting for their first, hold none and others go ahead; and every
update is answered once the slots free. Through the real Dispatcher and the stand-in, on both
databases."""
from __future__ import annotations

import asyncio

from aiogram import F, Router
from aiogram.types import Message

WAIT = 10.0
TAPS = 12


class Gate:
    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.inside = 0
        self.peak = 0
        self.entered: list[tuple[int, str]] = []

    def router(self) -> Router:
        router = Router(name="slots-probe")

        @router.message(F.text.startswith("hold"))
        async def hold(message: Message, session) -> None:  # noqa: ANN001
            await session.commit()  # as before any wait on the network: SQLite's one connection is free
            self.inside += 1
            self.peak = max(self.peak, self.inside)
            self.entered.append((message.from_user.id, message.text))
            try:
                await self.open.wait()
            finally:
                self.inside -= 1
            await message.answer(f"done {message.text}")

        return router

    async def until(self, count: int) -> None:
        async def reached() -> None:
            while len(self.entered) < count:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(reached(), WAIT)


async def test_updates_wait_for_a_slot_in_order_and_a_busy_user_holds_none(make_settings, clock, tg):
    from bot.app import build_app

    gate = Gate()
    app = build_app(make_settings(updates_concurrency=2), clock=clock, extra_routers=[gate.router()])
    await app.start(migrate=False)
    try:
        busy, *others = [tg.user(7400 + i, language_code="ru") for i in range(5)]
        # one person pressing fast, more times than the slots and aiogram's own task limit would
        # allow (4 per slot): the rest of their updates wait for their first and take no slot
        for n in range(1, TAPS + 1):
            await busy.send(f"hold {n}")
        await gate.until(1)
        for user in others:
            await user.send("hold 1")
            await asyncio.sleep(0.05)  # the order they came in
        await gate.until(2)
        await asyncio.sleep(0.3)  # time enough for anyone else to (wrongly) get in
        # the busy person's next updates hold no slot: the first other person got the second one
        assert gate.entered == [(busy.id, "hold 1"), (others[0].id, "hold 1")]
        assert gate.inside == 2 == app.dp.fsm.handling
        gate.open.set()
        for user in others:
            assert (await user.wait_message(timeout=WAIT)).text == "done hold 1"
        for n in range(1, TAPS + 1):
            assert (await busy.wait_message(timeout=WAIT)).text == f"done hold {n}"
        assert gate.peak == 2  # never more than the slots
        # everyone else admitted in the order they came (the busy person's own in between, as
        # their lock allows); two admitted together may reach the handler in either order, since
        # the state read after admission runs on two connections on PostgreSQL
        came = [uid for uid, _ in gate.entered if uid != busy.id]
        assert sorted(came) == sorted(u.id for u in others) and came[0] == others[0].id
        assert all(abs(came.index(u.id) - i) <= 1 for i, u in enumerate(others))
        assert [text for uid, text in gate.entered if uid == busy.id] == [f"hold {n}" for n in range(1, TAPS + 1)]
    finally:
        gate.open.set()
        await app.stop()


async def test_no_bound_when_set_to_zero(make_settings, clock, tg):
    from bot.app import build_app

    gate = Gate()
    app = build_app(make_settings(updates_concurrency=0), clock=clock, extra_routers=[gate.router()])
    await app.start(migrate=False)
    try:
        users = [tg.user(7500 + i, language_code="ru") for i in range(6)]
        for user in users:
            await user.send("hold")
        await gate.until(6)  # all six in hand at once
        assert gate.inside == 6
        gate.open.set()
        for user in users:
            assert (await user.wait_message(timeout=WAIT)).text == "done hold"
    finally:
        gate.open.set()
        await app.stop()
