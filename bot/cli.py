"""Command line: run the bot, migrate, and bootstrap a deployment as administrator.

    python -m bot                      run the bot (long polling)
    python -m bot migrate              apply database migrations
    python -m bot admin create-region NAME [--timezone TZ]
    python -m bot admin create-municipality --region REGION NAME
    python -m bot admin create-org --municipality MUNICIPALITY --type TYPE NAME [--timezone TZ]
    python -m bot admin invite-curator (--org ORG | --municipality M | --region R | --unit ID) [--days N]
                                       [--timeout S]
    python -m bot admin tree

REGION, MUNICIPALITY and ORG are ids or exact names.

The admin shell runs beside the live bot, on the same database, so it must never stall it
(on SQLite every transaction takes the single write lock, and the bot's pool is one
connection): it imports only what the command needs (no aiogram: importing its types alone took
seconds), runs Alembic only when the database is not at head, asks Telegram for the bot's
username (getMe) before opening any transaction and with a timeout, and does its database work
in one short transaction.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings, load_settings
from db.engine import create_engine_and_sessionmaker
from db.migrate import upgrade_if_needed, upgrade_locked
from db.models import Unit
from domain import invitations
from domain.rules import ORG_TYPES, Invalid
from domain.units import create_unit, find_by_name

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("bot")

GETME_TIMEOUT_S = 5.0  # Telegram answers getMe in well under a second; longer means trouble


class CliError(Exception):
    pass


REFUSALS = {
    "timezone": "unknown time zone (use an IANA name such as Europe/Moscow)",
    "unit-exists": "a unit of that kind with that name already exists there (unit-exists)",
    "unit-name-short": "the name is too short",
    "unit-name-long": "the name is too long",
    "unit-kind": "that kind of unit cannot be created there",
    "org-type": "unknown organisation type",
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="Mentoring programmes bot")
    sub = p.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot with long polling (default)")
    sub.add_parser("migrate", help="apply database migrations")
    admin = sub.add_parser("admin", help="bootstrap regions, municipalities, organisations, curators")
    asub = admin.add_subparsers(dest="action", required=True)
    r = asub.add_parser("create-region")
    r.add_argument("name")
    r.add_argument("--timezone")
    m = asub.add_parser("create-municipality")
    m.add_argument("--region", required=True)
    m.add_argument("name")
    o = asub.add_parser("create-org")
    o.add_argument("--municipality", required=True)
    o.add_argument("--type", required=True, choices=ORG_TYPES)
    o.add_argument("--timezone")
    o.add_argument("name")
    i = asub.add_parser("invite-curator")
    g = i.add_mutually_exclusive_group(required=True)
    g.add_argument("--org")
    g.add_argument("--municipality")
    g.add_argument("--region")
    g.add_argument("--unit", type=int)
    i.add_argument("--days", type=int, default=None, help="days the link stays valid (default from settings)")
    i.add_argument("--timeout", type=float, default=GETME_TIMEOUT_S,
                   help=f"seconds to wait for Telegram's answer to getMe (default {GETME_TIMEOUT_S:g})")
    asub.add_parser("tree", help="print the hierarchy with ids")
    db = sub.add_parser("db", help="copy the database to another one, or back up SQLite")
    dsub = db.add_subparsers(dest="action", required=True)
    c = dsub.add_parser("copy", help="copy every table into an empty database (e.g. from SQLite to PostgreSQL)")
    c.add_argument("--to", required=True, metavar="URL", help="postgresql://user:pass@host/db (must be empty)")
    b = dsub.add_parser("backup", help="a consistent online copy of the SQLite database into a new file")
    b.add_argument("path")
    return p


async def _resolve(session: AsyncSession, kind: str, ref: str) -> Unit:
    if ref.isdigit():
        unit = await session.get(Unit, int(ref))
        if unit is not None and unit.kind == kind:
            return unit
    found = await find_by_name(session, kind, ref)
    if not found:
        raise CliError(f"no {kind} {ref!r}; see `python -m bot admin tree`")
    if len(found) > 1:
        raise CliError(f"several {kind}s are called {ref!r}; use the id: {', '.join(str(u.id) for u in found)}")
    return found[0]


async def _admin(settings: Settings, args: argparse.Namespace) -> str:
    # The network first, outside any transaction: a slow Telegram must not hold the database.
    username = None
    if args.action == "invite-curator":
        if args.days is not None and args.days <= 0:
            raise CliError("--days must be positive")
        username = await asyncio.to_thread(fetch_bot_username, settings.telegram_api_url, settings.bot_token,
                                           args.timeout)
    engine, sessionmaker = create_engine_and_sessionmaker(settings.db_url)
    now = datetime.now(timezone.utc)
    try:
        await upgrade_if_needed(engine, settings.db_url)
        async with sessionmaker() as session:
            try:
                out = await _admin_action(session, settings, args, now, username)
            except Invalid as exc:
                raise CliError(f"refused: {REFUSALS.get(exc.code, exc.code)}") from None
            await session.commit()
            return out
    finally:
        await engine.dispose()


async def _admin_action(session: AsyncSession, settings: Settings, args: argparse.Namespace, now: datetime,
                        username: str | None = None) -> str:
    if args.action == "create-region":
        unit = await create_unit(session, "region", args.name, timezone=args.timezone or settings.timezone)
        return f"region {unit.id}: {unit.name}"
    if args.action == "create-municipality":
        region = await _resolve(session, "region", args.region)
        unit = await create_unit(session, "municipality", args.name, parent=region)
        return f"municipality {unit.id}: {unit.name} (region {region.id})"
    if args.action == "create-org":
        mun = await _resolve(session, "municipality", args.municipality)
        unit = await create_unit(session, "organisation", args.name, parent=mun, org_type=args.type,
                                 timezone=args.timezone)
        return f"organisation {unit.id}: {unit.name} ({unit.org_type}, municipality {mun.id})"
    if args.action == "invite-curator":
        if username is None:  # asked before the transaction began (see _admin)
            raise CliError("the bot's username is unknown")
        if args.unit is not None:
            unit = await session.get(Unit, args.unit)
            if unit is None:
                raise CliError(f"no unit {args.unit}")
        elif args.org:
            unit = await _resolve(session, "organisation", args.org)
        elif args.municipality:
            unit = await _resolve(session, "municipality", args.municipality)
        else:
            unit = await _resolve(session, "region", args.region)
        days = args.days if args.days is not None else settings.invitation_default_days
        if days <= 0:
            raise CliError("--days must be positive")
        inv = await invitations.create(session, kind="curator", unit=unit, now=now, days=days)
        return invitations.link(username, inv)
    if args.action == "tree":
        return await _tree(session)
    raise CliError(f"unknown action {args.action}")


async def _tree(session: AsyncSession) -> str:
    """The hierarchy with ids, children by name: one query, not one per unit (a region has
    thousands of organisations, and on SQLite every query ran under the write lock)."""
    from sqlalchemy import select

    by_parent: dict[int | None, list[Unit]] = {}
    for unit in (await session.scalars(select(Unit).order_by(Unit.name, Unit.id))).all():
        by_parent.setdefault(unit.parent_id, []).append(unit)
    lines: list[str] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in by_parent.get(parent_id, ()):
            extra = f", {unit.org_type}" if unit.org_type else ""
            lines.append(f"{'  ' * depth}{unit.id} {unit.kind}{extra}: {unit.name}")
            walk(unit.id, depth + 1)

    walk(None, 0)
    return "\n".join(lines) or "(empty)"


def fetch_bot_username(api_url: str, token: str, timeout: float) -> str:
    """The bot's username from the Bot API's getMe, over plain HTTP.

    Not through aiogram: importing it (its types are pydantic models built at import) costs the
    shell seconds of CPU. No proxy from the environment, as the bot's own aiohttp session uses
    none. Errors name the cause, never the URL (it carries the token)."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"{api_url}/bot{token}/getMe", data=b"", method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as resp:
            body = json.loads(resp.read())
    except urllib.error.HTTPError as exc:  # Telegram answers errors with a JSON description
        try:
            description = json.loads(exc.read()).get("description") or exc.reason
        except (ValueError, OSError):
            description = exc.reason
        raise CliError(f"could not ask Telegram for the bot's username (getMe): {exc.code} {description}") from None
    except TimeoutError:
        raise CliError(f"Telegram did not answer getMe within {timeout:g} s; try again, or raise --timeout") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise CliError(f"Telegram did not answer getMe within {timeout:g} s; try again, or raise --timeout") \
                from None
        raise CliError(f"could not ask Telegram for the bot's username (getMe): {exc.reason}") from None
    except (ValueError, OSError) as exc:
        raise CliError(f"could not ask Telegram for the bot's username (getMe): {exc}") from None
    result = body.get("result") if isinstance(body, dict) and body.get("ok") else None
    if not isinstance(result, dict):
        raise CliError("could not ask Telegram for the bot's username (getMe): unexpected answer")
    if not result.get("username"):
        raise CliError("the bot has no username")
    return str(result["username"])


async def _run(settings: Settings) -> None:
    from bot.app import build_app

    import signal

    from bot.app import settle_heap

    app = build_app(settings)
    await app.start()
    await app.start_http()
    frozen = settle_heap(collect=app.migrated)
    me = await app.bot.me()
    log.info("bot %s started (id %s); %d start-up objects frozen, collector on", me.username, me.id, frozen)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, app.request_stop)
    try:
        await app.wait()
    finally:
        await app.stop()


class JsonFormatter(logging.Formatter):
    """LOG_FORMAT=json: one JSON object per line. The message is what the code logged, which
    carries ids, never names or texts (the project's rule for every log line)."""

    def format(self, record: logging.LogRecord) -> str:
        import json

        entry = {"ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler])


def _db(settings: Settings, args: argparse.Namespace) -> int:
    from db.tools import CopyRefused, backup_sqlite, copy_database

    try:
        if args.action == "copy":
            target = load_settings(database_url=args.to, bot_token=settings.bot_token).db_url  # same URL forms
            asyncio.run(copy_database(settings.db_url, target))
            print("copied; point DATABASE_URL at the new database and start the bot")
        else:
            size = backup_sqlite(settings.db_url, args.path)
            print(f"backup written to {args.path} ({size} bytes)")
    except CopyRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command not in (None, "run"):
        gc.enable()  # off while the modules were imported (bot/__main__.py); a command's objects are few
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    # A long outbox pass (a backlog paced at 25/s) makes APScheduler warn every second that the
    # next run was skipped; that is the intended max_instances=1 behaviour, not news.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)  # not a line per run
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin, each command
    try:
        if args.command in (None, "run"):
            try:
                asyncio.run(_run(settings))
            except KeyboardInterrupt:
                pass
            return 0
        if args.command == "db":
            return _db(settings, args)
        if args.command == "migrate":
            asyncio.run(upgrade_locked(settings.db_url))
            print("database is up to date")
            return 0
        print(asyncio.run(_admin(settings, args)))
        return 0
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
