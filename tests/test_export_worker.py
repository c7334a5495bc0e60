"""The export child process (bot/export_worker.py through bot.exports.build_in_child), on both
databases: it writes the same file as build_report in the bot's process would, reports its
progress, reports a failure by its type only, and a cancelled export leaves no child behind."""
from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.exports import ExportFailed, build_in_child
from bot.i18n import Translator
from db.models import Participant
from domain import reports
from tests.test_reports import NOW, seed_world

T = Translator()


def worker_children() -> set[int]:
    """Pids of this process's children running bot.export_worker (Linux /proc)."""
    me = str(os.getpid())
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        parent = stat.rsplit(")", 1)[1].split()[1]
        if parent == me and b"bot.export_worker" in cmdline:
            found.add(int(entry))
    return found


async def test_the_child_writes_the_same_report_as_build_report(db_url, sessionmaker, tmp_path: Path):
    w = await seed_world(sessionmaker)
    here, there = tmp_path / "here.xlsx", tmp_path / "there.xlsx"
    seen: list[int] = []

    async def progress(rows: int) -> None:
        seen.append(rows)

    expected = await reports.build_report(sessionmaker, "participants", w.m1, "ru", str(here), as_of=NOW,
                                          tz="Europe/Moscow", chunk=2)
    rows = await build_in_child(db_url, "participants", w.m1, "ru", str(there), as_of=NOW, tz="Europe/Moscow",
                                progress=progress, chunk=2)
    assert rows == expected == 5 and seen == [2, 4, 5]
    a, b = load_workbook(here).active, load_workbook(there).active
    assert [[c.value for c in r] for r in a.iter_rows()] == [[c.value for c in r] for r in b.iter_rows()]
    assert b.title == T.bind("ru")("rep-sheet-participants")


async def test_a_failure_in_the_child_is_raised_by_its_type_only(db_url, sessionmaker, tmp_path: Path):
    await seed_world(sessionmaker)
    with pytest.raises(ExportFailed) as info:
        await build_in_child(db_url, "pairs", 999_999, "ru", str(tmp_path / "x.xlsx"), as_of=NOW)
    assert str(info.value) == "LookupError"  # build_report's "unit not found", without its message
    assert not worker_children()


async def test_a_cancelled_export_terminates_its_child(db_url, sessionmaker, tmp_path: Path):
    w = await seed_world(sessionmaker)
    async with sessionmaker() as s:
        s.add_all(Participant(org_id=w.s2, role="mentee", category="school_student", grade=5, birth_year=2015,
                              full_name=f"Ученик {i:04d}", status="active", registered_at=NOW, updated_at=NOW)
                  for i in range(300))
        await s.commit()
    first = asyncio.Event()
    running: set[int] = set()

    async def progress(rows: int) -> None:
        if not first.is_set():
            running.update(worker_children())  # the child is alive: it has just written a row
            first.set()

    # one row per read: 305 reads, far longer than the cancellation below takes to arrive
    task = asyncio.create_task(build_in_child(db_url, "participants", w.m1, "ru", str(tmp_path / "c.xlsx"),
                                              as_of=NOW, progress=progress, chunk=1))
    await asyncio.wait_for(first.wait(), 60)
    assert len(running) == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    pid = running.pop()
    assert not Path(f"/proc/{pid}").exists()  # terminated and reaped, not left running
    assert not worker_children()
