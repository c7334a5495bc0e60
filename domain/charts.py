"""Chart images (PNG bytes) for the KPI and monitoring views.

matplotlib runs with the Agg backend through its object-oriented API (no pyplot state, so
several charts may render in worker threads at once) and is imported inside the functions, so that importing
this module costs nothing and nothing here needs a display. Every label comes from the caller
(locale texts from the handler): no user text in code. The functions are CPU-bound and
synchronous: the handler runs them with ``asyncio.to_thread`` so the bot keeps answering.

Numbers (tick labels and values) follow the reader's locale through babel: 0,6 in Russian, 0.6 in
English. Each chart has a ``*_figure`` function that returns the matplotlib figure (for tests and
callers that want to look at it) and a ``*_chart`` function that renders it to PNG.
"""
from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from typing import Any

from domain.text import shorten

DPI = 100
BAR_COLOUR = "#4C78A8"
BELOW_COLOUR = "#E45756"
TARGET_COLOUR = "#F58518"
BAR_WIDTH = 0.8
SINGLE_BAR_WIDTH = 0.4  # a lone bar stays narrow, in the middle of a chart twice its width
LABEL_LINE = 32  # characters per line of a unit's name on an axis


@dataclass(frozen=True)
class ProgressPoint:
    label: str  # "2024", or the text for "now"
    share: float | None  # per cent
    target: float | None  # per cent


def _figure(width: float, height: float, rows: int = 1) -> tuple[Any, list[Any]]:
    """A figure of the object-oriented API (no pyplot: no global state, safe in a worker thread)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    axes = fig.subplots(rows, 1, squeeze=False)
    return fig, [a for a in axes[:, 0]]


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def number(value: float, locale: str, pattern: str = "#,##0.0") -> str:
    """A number as the locale writes it: 0,6 in Russian, 0.6 in English (babel)."""
    from babel.numbers import format_decimal

    return format_decimal(value, format=pattern, locale=locale)


def _locale_axis(axis: Any, locale: str) -> None:
    """Tick labels of an axis in the locale's numbers (decimal comma in Russian)."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _pos: number(value, locale, "#,##0.##")))


def _label(name: str) -> str:
    """A unit's name on a chart axis: wrapped over two lines, shortened at a word only beyond that."""
    if len(name) <= LABEL_LINE:
        return name
    lines = textwrap.wrap(name, LABEL_LINE, break_long_words=False, break_on_hyphens=False)
    if len(lines) <= 2:
        return "\n".join(lines)
    return lines[0] + "\n" + shorten(" ".join(lines[1:]), LABEL_LINE)


def progress_figure(points: list[ProgressPoint], *, title: str, y_label: str, share_label: str,
                    target_label: str, locale: str = "ru") -> Any:
    """A scope's share by year (bars) against the target line, as a matplotlib figure.

    A single point (a scope with no past years yet) is one narrow bar in the middle with its value,
    the target as a dashed line across the chart with its value: not a bar filling the width."""
    fig, (ax,) = _figure(7, 4)
    xs = list(range(len(points)))
    single = len(points) == 1
    shares = [p.share or 0.0 for p in points]
    colours = [BELOW_COLOUR if p.target is not None and p.share is not None and p.share < p.target else BAR_COLOUR
               for p in points]
    ax.bar(xs, shares, width=SINGLE_BAR_WIDTH if single else BAR_WIDTH, color=colours, label=share_label)
    for x, p in zip(xs, points):
        if p.share is not None:
            ax.annotate(number(p.share, locale), (x, p.share), ha="center", va="bottom", fontsize=8)
    targets = [(x, p.target) for x, p in zip(xs, points) if p.target is not None]
    if single and targets:
        target = targets[0][1]
        ax.axhline(target, color=TARGET_COLOUR, linestyle="--", label=target_label)
        ax.annotate(number(target, locale), (0.5, target), xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8, color=TARGET_COLOUR)
    elif targets:
        ax.plot([x for x, _ in targets], [t for _, t in targets], color=TARGET_COLOUR, marker="o",
                linestyle="--", label=target_label)
    ax.set_xticks(xs, [p.label for p in points])
    ax.set_xlim(-1.0, 1.0) if single else ax.set_xlim(-0.6, len(points) - 0.4)
    top = max([*shares, *(t for _, t in targets), 1.0])
    ax.set_ylim(0, min(100.0, top * 1.15) if top <= 100 else top * 1.15)
    _locale_axis(ax.yaxis, locale)
    ax.set_ylabel(y_label)
    ax.set_title(title)
    ax.legend(loc="lower right" if single else "upper left", fontsize=8)  # a lone bar leaves the corner free
    return fig


def progress_chart(points: list[ProgressPoint], *, title: str, y_label: str, share_label: str,
                   target_label: str, locale: str = "ru") -> bytes:
    """:func:`progress_figure` as PNG bytes."""
    return _png(progress_figure(points, title=title, y_label=y_label, share_label=share_label,
                                target_label=target_label, locale=locale))


def units_figure(names: list[str], shares: list[float | None], target: float | None, *, title: str, y_label: str,
                 target_label: str, note: str | None = None, locale: str = "ru") -> Any:
    """Organisations (or child units) side by side: horizontal bars of share with their values, the
    target line; long names wrap over two lines."""
    labels = [_label(n) for n in names]
    lines = sum(label.count("\n") + 1 for label in labels)
    fig, (ax,) = _figure(8, max(3.0, 0.3 * lines + 0.15 * len(names) + 1.5))
    ys = list(range(len(names)))[::-1]
    values = [s or 0.0 for s in shares]
    colours = [BELOW_COLOUR if target is not None and s is not None and s < target else BAR_COLOUR for s in shares]
    single = len(names) == 1
    ax.barh(ys, values, color=colours, height=SINGLE_BAR_WIDTH if single else BAR_WIDTH)
    if single:
        ax.set_ylim(-1.0, 1.0)
    for y, s in zip(ys, shares):
        ax.annotate(number(s, locale) if s is not None else "—", (s or 0.0, y), xytext=(3, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=8)
    ax.set_yticks(ys, labels, fontsize=8)
    if target is not None:
        ax.axvline(target, color=TARGET_COLOUR, linestyle="--", label=target_label)
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlabel(y_label)
    ax.set_xlim(0, max([*values, target or 0.0, 1.0]) * 1.15)
    _locale_axis(ax.xaxis, locale)
    ax.set_title(title)
    if note:
        fig.text(0.01, 0.01, note, fontsize=8, ha="left", va="bottom")
    return fig


def units_chart(names: list[str], shares: list[float | None], target: float | None, *, title: str, y_label: str,
                target_label: str, note: str | None = None, locale: str = "ru") -> bytes:
    """:func:`units_figure` as PNG bytes."""
    return _png(units_figure(names, shares, target, title=title, y_label=y_label, target_label=target_label,
                             note=note, locale=locale))


def survey_figure(forms: list[tuple[str, list[tuple[str, float]]]], *, title: str, x_label: str,
                  locale: str = "ru") -> Any:
    """Survey results: the average of each 1–10 item, one panel per form of mentoring."""
    panels = max(1, len(forms))
    rows_total = sum(max(1, len(items)) for _, items in forms) or 1
    fig, axes = _figure(8, max(3.0, 0.4 * rows_total + 1.2 * panels), panels)
    for ax, (form_label, items) in zip(axes, forms):
        ys = list(range(len(items)))[::-1]
        ax.barh(ys, [v for _, v in items], color=BAR_COLOUR, height=SINGLE_BAR_WIDTH if len(items) == 1 else BAR_WIDTH)
        ax.set_yticks(ys, [_label(label) for label, _ in items], fontsize=8)
        for y, (_, v) in zip(ys, items):
            ax.annotate(number(v, locale), (v, y), xytext=(3, 0), textcoords="offset points", ha="left",
                        va="center", fontsize=8)
        if len(items) == 1:
            ax.set_ylim(-1.0, 1.0)
        ax.set_xlim(0, 10.5)
        _locale_axis(ax.xaxis, locale)
        ax.set_title(form_label, fontsize=10)
        ax.set_xlabel(x_label)
    fig.suptitle(title)
    return fig


def survey_chart(forms: list[tuple[str, list[tuple[str, float]]]], *, title: str, x_label: str,
                 locale: str = "ru") -> bytes:
    """:func:`survey_figure` as PNG bytes."""
    return _png(survey_figure(forms, title=title, x_label=x_label, locale=locale))


__all__ = ["ProgressPoint", "number", "progress_figure", "progress_chart", "units_figure", "units_chart",
           "survey_figure", "survey_chart"]
