"""Trend charts as PNG bytes.

matplotlib's object API on the Agg canvas only, never pyplot: pyplot keeps global state and is
not thread-safe (the bot renders charts in worker processes: see bot/chart_renderer.py).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from itertools import pairwise

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.analytics import Profile, SeriesPoint
from bot.analytics import targets as registry
from bot.models import Basis
from bot.render.wording import BASIS_LABEL, chart_notes

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 100
LINE_COLOUR = "#004990"
#: The target lines drawn by default: 2% and 3.5%.
DEFAULT_TARGETS = (registry.WALES.value, registry.HAGUE_CORE.value)


def trend_chart(
    source: Profile | Sequence[SeriesPoint],
    *,
    title: str | None = None,
    basis: Basis | None = None,
    targets: Sequence[float] = DEFAULT_TARGETS,
) -> bytes:
    """Share of GDP over time with target lines; estimates drawn hollow on a dashed segment.

    ``source`` is a ``Profile`` (title and basis then come from it) or a bare series.
    """
    if isinstance(source, Profile):
        series = list(source.series)
        title = title or (
            f"{source.country.name}: {BASIS_LABEL[source.basis]}, % of GDP "
            f"(NATO release {source.release_id})"
        )
        basis = basis or source.basis
    else:
        series = list(source)
    series.sort(key=lambda p: p.year)

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    _plot_series(axes, series)
    for target in targets:
        colour = registry.colour(target)
        axes.axhline(target, color=colour, linewidth=1, linestyle=":", zorder=1)
        axes.annotate(
            f"{target:g}%",
            xy=(1.0, target),
            xycoords=("axes fraction", "data"),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
            color=colour,
        )

    top = max([p.share for p in series] + list(targets) + [1.0])
    axes.set_ylim(0, top * 1.15)
    if series:
        axes.set_xlim(series[0].year - 0.5, series[-1].year + 0.5)
        axes.set_xticks([p.year for p in series])
        axes.tick_params(axis="x", labelrotation=45, labelsize=8)
    else:
        axes.set_xticks([])
        axes.text(0.5, 0.6, "No share of GDP published", ha="center", transform=axes.transAxes)
    axes.set_ylabel("% of GDP")
    axes.grid(axis="y", linewidth=0.3, alpha=0.6)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(title or "Defence spending, % of GDP", fontsize=11)
    figure.text(0.01, 0.01, " ".join(chart_notes(basis)), fontsize=7, color="#555555")
    figure.subplots_adjust(left=0.08, right=0.93, top=0.9, bottom=0.2)

    buffer = io.BytesIO()
    # No timestamp or software metadata: the same data gives the same bytes.
    figure.savefig(
        buffer, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 1}
    )
    return buffer.getvalue()


def _plot_series(axes: Axes, series: list[SeriesPoint]) -> None:
    """Solid line through published figures, dashed into and between estimates: 4 artists."""
    nan = float("nan")
    solid = [nan] * len(series)
    dashed = [nan] * len(series)
    for i, (before, after) in enumerate(pairwise(series)):
        line = dashed if before.estimate or after.estimate else solid
        line[i], line[i + 1] = before.share, after.share
    years = [p.year for p in series]
    axes.plot(years, solid, color=LINE_COLOUR, linewidth=2, linestyle="-", zorder=2)
    axes.plot(years, dashed, color=LINE_COLOUR, linewidth=2, linestyle="--", zorder=2)
    for estimate in (False, True):
        points = [p for p in series if p.estimate == estimate]
        axes.plot(
            [p.year for p in points],
            [p.share for p in points],
            linestyle="none",
            marker="o",
            markersize=6,
            color=LINE_COLOUR,
            markerfacecolor="white" if estimate else LINE_COLOUR,
            zorder=3,
        )
