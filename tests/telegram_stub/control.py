"""``/_control/*`` HTTP endpoints: drive a :class:`FakeTelegram` running in another process.

All answers are JSON.  Endpoints:

* ``POST /_control/inject`` - body: an update (``update_id`` optional), a list of
  updates, or a shorthand ``{"user_id": 5, "text": "/start"}`` /
  ``{"user_id": 5, "callback_data": "x", "message_id": 3}`` (``message_id`` optional:
  last bot message with buttons).  Shorthand accepts ``first_name``,
  ``language_code``, ``username``.  Answers ``{"ok": true, "update_ids": [...],
  "callback_query_ids": [...]}`` (the id of each injected callback query, else null: what the
  bot's ``answerCallbackQuery`` will name, so a driver in another process can match it).
* ``GET /_control/delivered?since=N`` - delivered message records from index N.
* ``GET /_control/stats`` - counters incl. ``count_429`` and ``duplicates``.
* ``GET /_control/messages?chat_id=N`` - the bot messages of a chat.
* ``GET /_control/requests?method=sendMessage&since=N`` - recorded calls.
* ``POST /_control/block`` / ``/_control/unblock`` - ``{"user_id": N}``.
* ``POST /_control/fail_next`` - ``{"method", "error_code", "description",
  "retry_after", "times", "after_delivery"}``.
* ``POST /_control/hold`` - ``{"method"}``; ``POST /_control/release`` - ``{"method"?}``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .models import ApiError

if TYPE_CHECKING:
    from .server import FakeTelegram

__all__ = ["add_control_routes"]

log = logging.getLogger("tests.telegram_stub.control")

_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(data: Any, status: int = 200) -> web.Response:
    from .server import _dumps

    return web.Response(text=_dumps(data), status=status, content_type="application/json")


async def _body(request: web.Request) -> Any:
    if not request.body_exists:
        return {}
    try:
        return await request.json()
    except ValueError as exc:
        raise ApiError(400, f"Bad Request: body is not JSON: {exc}") from exc


def _int_arg(request: web.Request, name: str, default: int | None = None) -> int | None:
    value = request.query.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ApiError(400, f"Bad Request: {name} must be an integer") from exc


def _guard(handler: _Handler) -> _Handler:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as error:
            return _json(error.to_payload(), status=error.error_code)
        except (AssertionError, KeyError, TypeError, ValueError) as exc:
            log.warning("control request failed: %r", exc)
            return _json({"ok": False, "error_code": 400, "description": str(exc)}, status=400)

    return wrapped


def add_control_routes(app: web.Application, tg: FakeTelegram) -> None:
    """Register the ``/_control`` routes of ``tg`` on ``app``."""

    async def inject_one(item: Any) -> tuple[int, str | None]:
        if not isinstance(item, dict):
            raise ApiError(400, "Bad Request: an update must be a JSON object")
        if "user_id" in item:
            user = tg.user(
                int(item["user_id"]),
                first_name=str(item.get("first_name", "Test")),
                language_code=item.get("language_code", "ru"),
                username=item.get("username"),
            )  # an existing user is reused unchanged
            query_id = None
            if "callback_data" in item:
                query_id = await user.press_data(item.get("message_id"), str(item["callback_data"]))
            else:
                await user.send(str(item.get("text", "")))
            return int(user.last_update_id or 0), query_id
        return tg.inject_update(item), None

    async def inject(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        items = body if isinstance(body, list) else [body]
        done = [await inject_one(item) for item in items]
        return _json({"ok": True, "update_ids": [u for u, _ in done], "callback_query_ids": [q for _, q in done]})

    async def delivered(request: web.Request) -> web.StreamResponse:
        since = _int_arg(request, "since", 0) or 0
        return _json({"ok": True, "result": tg.delivered_log[since:]})

    async def stats(request: web.Request) -> web.StreamResponse:
        return _json({"ok": True, "result": tg.stats()})

    async def messages(request: web.Request) -> web.StreamResponse:
        chat_id = _int_arg(request, "chat_id")
        if chat_id is None:
            raise ApiError(400, "Bad Request: chat_id is required")
        return _json({"ok": True, "result": [m.to_json() for m in tg.messages(chat_id)]})

    async def requests(request: web.Request) -> web.StreamResponse:
        since = _int_arg(request, "since", 0) or 0
        method = request.query.get("method")
        records = [
            {"method": r.method, "params": r.params, "time": r.time}
            for r in tg.requests[since:]
            if method is None or r.method.lower() == method.lower()
        ]
        return _json({"ok": True, "result": records})

    async def block(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        tg.user(int(body["user_id"])).block(notify=bool(body.get("notify", False)))
        return _json({"ok": True})

    async def unblock(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        tg.user(int(body["user_id"])).unblock(notify=bool(body.get("notify", False)))
        return _json({"ok": True})

    async def fail_next(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        tg.fail_next(
            str(body["method"]),
            int(body.get("error_code", 500)),
            body.get("description"),
            body.get("retry_after"),
            int(body.get("times", 1)),
            after_delivery=bool(body.get("after_delivery", False)),
        )
        return _json({"ok": True})

    async def hold(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        tg.hold_responses(str(body["method"]))
        return _json({"ok": True})

    async def release(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        method = body.get("method") if isinstance(body, dict) else None
        tg.release(str(method) if method else None)
        return _json({"ok": True})

    app.router.add_post("/_control/inject", _guard(inject))
    app.router.add_get("/_control/delivered", _guard(delivered))
    app.router.add_get("/_control/stats", _guard(stats))
    app.router.add_get("/_control/messages", _guard(messages))
    app.router.add_get("/_control/requests", _guard(requests))
    app.router.add_post("/_control/block", _guard(block))
    app.router.add_post("/_control/unblock", _guard(unblock))
    app.router.add_post("/_control/fail_next", _guard(fail_next))
    app.router.add_post("/_control/hold", _guard(hold))
    app.router.add_post("/_control/release", _guard(release))
