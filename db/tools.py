"""Moving a deployment's data: ``python -m bot db copy --to URL`` and ``python -m bot db backup PATH``.

copy: from the configured database (typically the embedded SQLite) to another one (typically a
new PostgreSQL). The target is migrated to head by Alembic (its schema is the code's, not the
source's), refused unless every table is empty, then filled table by table in dependency order
(a table's rows that refer to rows of the same table, such as units under their parent, are
written parents first), in batches, in one transaction: a failure leaves the target empty. The
id sequences are then moved past the copied ids (PostgreSQL), and every table's row count is
compared with the source's; a difference is an error. The source is only read: stop the bot
first, or rows written meanwhile are not copied (the counts then tell).

backup: a consistent copy of a live SQLite database through SQLite's online backup API (the bot
may keep running); for PostgreSQL use ``pg_dump`` (README, "Backups").
"""
from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from db.base import Base
from db.engine import create_engine
from db.migrate import upgrade_if_needed

log = logging.getLogger(__name__)

BATCH = 2_000


class CopyRefused(RuntimeError):
    """The copy cannot start (target not empty, same database) or did not match."""


def _self_references(table: Table) -> list[tuple[str, str]]:
    """(column, referred column) of the table's foreign keys to itself."""
    return [(fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table]


async def _counts(conn: AsyncConnection, tables: list[Table]) -> dict[str, int]:
    return {t.name: int(await conn.scalar(select(func.count()).select_from(t)) or 0) for t in tables}


async def _copy_table(src: AsyncConnection, dst: AsyncConnection, table: Table) -> int:
    pk = list(table.primary_key.columns)
    selfref = _self_references(table)
    written = 0
    if not selfref:
        query = select(table).order_by(*pk)
        result = await src.stream(query)
        async for chunk in result.mappings().partitions(BATCH):
            await dst.execute(insert(table), [dict(row) for row in chunk])
            written += len(chunk)
        return written
    # rows referring to rows of the same table: parents first, level by level
    rows = [dict(row) for row in (await src.execute(select(table).order_by(*pk))).mappings()]
    done: set[Any] = set()
    while rows:
        ready = [r for r in rows if all(r[col] is None or r[col] in done or r[col] == r[ref]
                                        for col, ref in selfref)]
        if not ready:
            raise CopyRefused(f"{table.name}: rows refer to rows that do not exist")
        for start in range(0, len(ready), BATCH):
            await dst.execute(insert(table), ready[start:start + BATCH])
        written += len(ready)
        for _col, ref in selfref:
            done.update(r[ref] for r in ready)
        taken = {id(r) for r in ready}
        rows = [r for r in rows if id(r) not in taken]
    return written


async def _move_sequences(dst: AsyncConnection, tables: list[Table]) -> int:
    moved = 0
    for table in tables:
        for col in table.primary_key.columns:
            if not (col.autoincrement is True or (col.autoincrement == "auto" and len(table.primary_key.columns) == 1
                                                  and col.type.python_type is int)):
                continue
            seq = await dst.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": col.name})
            if seq is None:
                continue
            top = await dst.scalar(select(func.max(col)))
            if top is not None:
                await dst.execute(text("SELECT setval(:s, :v)"), {"s": seq, "v": int(top)})
                moved += 1
    return moved


async def copy_database(source_url: str, target_url: str, say: Callable[[str], None] = print) -> dict[str, int]:
    """Copy every table from ``source_url`` to ``target_url`` (see the module's doc); returns the
    row counts. Raises CopyRefused when the target is not empty or the counts differ."""
    if make_url(source_url) == make_url(target_url):
        raise CopyRefused("the target is the source")
    src_engine, dst_engine = create_engine(source_url), create_engine(target_url)
    tables = [t for t in Base.metadata.sorted_tables]
    try:
        await upgrade_if_needed(dst_engine, target_url)
        async with dst_engine.connect() as dst:
            busy = {name: n for name, n in (await _counts(dst, tables)).items() if n}
        if busy:
            listed = ", ".join(f"{name} ({n})" for name, n in sorted(busy.items()))
            raise CopyRefused(f"the target database is not empty: {listed}")
        async with src_engine.connect() as src:
            source_counts = await _counts(src, tables)
            async with dst_engine.begin() as dst:
                for table in tables:
                    if source_counts[table.name]:
                        n = await _copy_table(src, dst, table)
                        say(f"{table.name}: {n} rows")
                if dst_engine.dialect.name == "postgresql":
                    say(f"sequences moved past the copied ids: {await _move_sequences(dst, tables)}")
        async with dst_engine.connect() as dst:
            target_counts = await _counts(dst, tables)
        wrong = {name: (source_counts[name], target_counts[name]) for name in source_counts
                 if source_counts[name] != target_counts[name]}
        if wrong:
            listed = ", ".join(f"{name}: {a} in the source, {b} copied" for name, (a, b) in sorted(wrong.items()))
            raise CopyRefused(f"row counts differ: {listed}")
        say(f"row counts match in all {len(tables)} tables ({sum(source_counts.values())} rows)")
        return source_counts
    finally:
        await src_engine.dispose()
        await dst_engine.dispose()


def backup_sqlite(source_url: str, path: str | Path) -> int:
    """A consistent copy of the SQLite database at ``source_url`` into the new file ``path``,
    taken with SQLite's online backup API while the bot may be writing; returns its size in
    bytes. Refuses an existing file and a database that is not SQLite."""
    url = make_url(source_url)
    if not url.get_backend_name() == "sqlite" or not url.database or url.database == ":memory:":
        raise CopyRefused("db backup is for an SQLite file; for PostgreSQL use pg_dump (README, Backups)")
    target = Path(path)
    if target.exists():
        raise CopyRefused(f"{target} exists: choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{url.database}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)  # in one step: a step-wise copy restarts on every write of the bot
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        except BaseException:
            dst.close()
            target.unlink(missing_ok=True)  # no half-written file left to refuse the next try
            raise
        dst.close()
    finally:
        src.close()
    return target.stat().st_size


__all__ = ["copy_database", "backup_sqlite", "CopyRefused"]
