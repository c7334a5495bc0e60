"""Chart images (PNG bytes) for the KPI and monitoring views.

matplotlib runs with the Agg backend through its object-oriented API (no pyplot state, so
several charts may render in worker threads at once) and is imported inside the functions, so that importing
this module costs nothing and nothing here needs a display. Every label comes from the caller
(locale texts from the handler): no user text in code. The functions are CPU-bound and
synchronous: the handler runs them with ``asyncio.to_thread`` so the bot keeps answering.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

DPI = 100
BAR_COLOUR = "#4C78A8"
BELOW_COLOUR = "#E45756"
TARGET_COLOUR = "#F58518"


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


def progress_chart(points: list[ProgressPoint], *, title: str, y_label: str, share_label: str,
                   target_label: str) -> bytes:
    """A scope's share by year (bars) against the target line."""
    fig, (ax,) = _figure(7, 4)
    xs = list(range(len(points)))
    shares = [p.share or 0.0 for p in points]
    colours = [BELOW_COLOUR if p.target is not None and p.share is not None and p.share < p.target else BAR_COLOUR
               for p in points]
    ax.bar(xs, shares, color=colours, label=share_label)
    for x, p in zip(xs, points):
        if p.share is not None:
            ax.annotate(f"{p.share:.1f}", (x, p.share), ha="center", va="bottom", fontsize=8)
    targets = [(x, p.target) for x, p in zip(xs, points) if p.target is not None]
    if targets:
        ax.plot([x for x, _ in targets], [t for _, t in targets], color=TARGET_COLOUR, marker="o",
                linestyle="--", label=target_label)
    ax.set_xticks(xs, [p.label for p in points])
    top = max([*shares, *(t for _, t in targets), 1.0])
    ax.set_ylim(0, min(100.0, top * 1.15) if top <= 100 else top * 1.15)
    ax.set_ylabel(y_label)
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    return _png(fig)


def units_chart(names: list[str], shares: list[float | None], target: float | None, *, title: str, y_label: str,
                target_label: str, note: str | None = None) -> bytes:
    """Organisations (or child units) side by side: horizontal bars of share, the target line."""
    fig, (ax,) = _figure(8, max(3.0, 0.35 * len(names) + 1.5))
    ys = list(range(len(names)))[::-1]
    values = [s or 0.0 for s in shares]
    colours = [BELOW_COLOUR if target is not None and s is not None and s < target else BAR_COLOUR for s in shares]
    ax.barh(ys, values, color=colours)
    ax.set_yticks(ys, [n if len(n) <= 40 else n[:39] + "…" for n in names], fontsize=8)
    if target is not None:
        ax.axvline(target, color=TARGET_COLOUR, linestyle="--", label=target_label)
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlabel(y_label)
    ax.set_xlim(0, max([*values, target or 0.0, 1.0]) * 1.1)
    ax.set_title(title)
    if note:
        fig.text(0.01, 0.01, note, fontsize=8, ha="left", va="bottom")
    return _png(fig)


def survey_chart(forms: list[tuple[str, list[tuple[str, float]]]], *, title: str, x_label: str) -> bytes:
    """Survey results: the average of each 1–10 item, one panel per form of mentoring."""
    panels = max(1, len(forms))
    rows_total = sum(max(1, len(items)) for _, items in forms) or 1
    fig, axes = _figure(8, max(3.0, 0.4 * rows_total + 1.2 * panels), panels)
    for ax, (form_label, items) in zip(axes, forms):
        ys = list(range(len(items)))[::-1]
        ax.barh(ys, [v for _, v in items], color=BAR_COLOUR)
        ax.set_yticks(ys, [label for label, _ in items], fontsize=8)
        for y, (_, v) in zip(ys, items):
            ax.annotate(f"{v:.1f}", (v, y), ha="left", va="center", fontsize=8)
        ax.set_xlim(0, 10.5)
        ax.set_title(form_label, fontsize=10)
        ax.set_xlabel(x_label)
    fig.suptitle(title)
    return _png(fig)


__all__ = ["ProgressPoint", "progress_chart", "units_chart", "survey_chart"]
