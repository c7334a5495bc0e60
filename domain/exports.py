"""Spreadsheets for curators (openpyxl; no aiogram, no database).

:func:`pairs_xlsx` builds the annex to the head's order fixing the mentoring pairs and groups:
No., the mentor's and the mentee's
full names, the form of mentoring, the role model and the date the pair was fixed (activated).
Headers come from the locales (Russian, or English for an English-speaking curator). Building a
workbook is CPU work: call it through ``asyncio.to_thread``.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from io import BytesIO
from typing import Any

from domain.text import SHEET_NAME_MAX, shorten

HEADER_KEYS = (
    "pair-xlsx-col-n",
    "pair-xlsx-col-mentor",
    "pair-xlsx-col-mentee",
    "pair-xlsx-col-form",
    "pair-xlsx-col-role-model",
    "pair-xlsx-col-date",
)
WIDTHS = (6, 36, 36, 30, 36, 16)
DATE_FORMATS = {"ru": "DD.MM.YYYY", "en": "D MMM YYYY"}
FIRST_TABLE_ROW = 5  # title, organisation, programme, blank, then the header


@dataclass(frozen=True)
class AnnexRow:
    """One mentee of an active pair or group; ``form`` and ``role_model`` are codes."""

    mentor: str
    mentee: str
    form: str
    role_model: str | None
    fixed_on: date


def label_or_code(t: Callable[..., str], key: str, code: str) -> str:
    """A label from the locales, or the code itself when no locale has it (a newer data file)."""
    text = t(key)
    return code if text == key else text


@lru_cache(maxsize=1)
def _default_translator() -> Any:
    from bot.i18n import Translator

    return Translator()


def pairs_xlsx(rows: Sequence[AnnexRow], locale: str, *, organisation: str, programme: str,
               translator: Any = None) -> bytes:
    """The annex as an .xlsx file: a title, the organisation and programme, then the table."""
    # imported here: openpyxl costs the bot's start 0.1-0.2 s, and only this annex needs it in the
    # bot's own process (the reports are written by bot/export_worker.py, a process of its own)
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    t = (translator or _default_translator()).bind(locale)
    wb = Workbook()
    ws = wb.active
    ws.title = shorten(t("pair-xlsx-sheet"), SHEET_NAME_MAX, hard=True)
    bold = Font(bold=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")

    ws.cell(row=1, column=1, value=t("pair-xlsx-title")).font = Font(bold=True, size=13)
    ws.cell(row=2, column=1, value=t("pair-xlsx-organisation", name=organisation))
    ws.cell(row=3, column=1, value=t("pair-xlsx-programme", name=programme))
    for col, key in enumerate(HEADER_KEYS, start=1):
        cell = ws.cell(row=FIRST_TABLE_ROW, column=col, value=t(key))
        cell.font, cell.border = bold, box
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    date_format = DATE_FORMATS.get(t.locale if hasattr(t, "locale") else locale, DATE_FORMATS["ru"])
    for n, row in enumerate(rows, start=1):
        values = (
            n,
            row.mentor,
            row.mentee,
            label_or_code(t, f"form-{row.form}", row.form),
            label_or_code(t, f"role-model-{row.role_model}", row.role_model) if row.role_model else "—",
            row.fixed_on,
        )
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=FIRST_TABLE_ROW + n, column=col, value=value)
            cell.border, cell.alignment = box, wrap
            if col == len(values):
                cell.number_format = date_format
    for col, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=FIRST_TABLE_ROW + 1, column=1)
    ws.print_title_rows = f"{FIRST_TABLE_ROW}:{FIRST_TABLE_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


__all__ = ["AnnexRow", "pairs_xlsx", "label_or_code", "HEADER_KEYS", "FIRST_TABLE_ROW"]
