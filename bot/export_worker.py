"""A report export in a process of its own: ``python -m bot.export_worker`` (issue 10).

Why a process: an export of 100,000 participants is seconds of Python (rows, labels, the XLSX
writer). Inside the bot it shared one interpreter and its GIL with every update (28 s in the
bot against 8.7 s alone, replies stalled meanwhile) and left its memory in the bot's heap.
Here it has a core and a heap of its own; the bot only waits for a few lines on a pipe and
sends the file. The worker reads the database through an engine of its own (short read-only
transactions; on SQLite a plain deferred BEGIN in WAL mode, so it never takes the write lock
the bot needs).

Protocol: one JSON object of parameters on stdin; on stdout ``progress <rows>`` lines while it
works, then ``done <rows>``; on failure ``failed <ExceptionType>`` and exit status 1 (the type
only: a message could carry personal data). Logs go to stderr, ids only.
"""
from __future__ import annotations

import asyncio
import json
import logging
import sys
from datetime import datetime
from typing import Any

log = logging.getLogger("bot.export_worker")


def reader_engine(url: str) -> Any:
    """An engine for reading only. SQLite: WAL (set by the bot), ``query_only``, and the
    driver's deferred BEGIN left to SQLAlchemy as a plain BEGIN, so a read never queues on, nor
    holds, the write lock; PostgreSQL: a small pool (the worker reads one chunk at a time)."""
    from sqlalchemy import event
    from sqlalchemy.ext.asyncio import create_async_engine

    if url.startswith("sqlite"):
        engine = create_async_engine(url, hide_parameters=True, pool_size=1, max_overflow=0,
                                     connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA query_only=ON")
            cur.close()
            dbapi_conn.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(conn):  # pragma: no cover - trivial
            conn.exec_driver_sql("BEGIN")

        return engine
    return create_async_engine(url, hide_parameters=True, pool_size=2, max_overflow=0)


def _emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def run(params: dict[str, Any]) -> int:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from bot.i18n import Translator
    from domain.reports import build_report

    engine = reader_engine(params["database_url"])
    try:
        async def progress(rows: int) -> None:
            _emit(f"progress {rows}")

        return await build_report(
            async_sessionmaker(engine, expire_on_commit=False), params["kind"], int(params["unit_id"]),
            params["locale"], params["path"], as_of=datetime.fromisoformat(params["as_of"]),
            year=params.get("year"), tz=params.get("tz"), translator=Translator(), progress=progress,
            chunk=int(params["chunk"]))
    finally:
        await engine.dispose()


def main() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    params = json.loads(sys.stdin.read())
    try:
        rows = asyncio.run(run(params))
    except Exception as exc:  # noqa: BLE001 - reported to the bot by type, logged with ids
        log.exception("export %s failed (unit %s, %s)", params.get("job_id"), params.get("unit_id"),
                      params.get("kind"))
        _emit(f"failed {type(exc).__name__}")
        sys.exit(1)
    _emit(f"done {rows}")


if __name__ == "__main__":
    main()
