"""Charts as PNG bytes, each a pure function of an analytics result, drawn for phones.

matplotlib's object API on the Agg canvas only, never pyplot: pyplot keeps global state and is
not thread-safe (the bot renders charts in worker processes: see bot/chart_renderer.py).

Phone legibility: a chart is drawn WIDTH_IN wide at DPI (1600 px, twice a 800 px "retina" 400 px
wide view), and no text is smaller than MIN_TEXT_PX once scaled down to 400 px. Tick labels are
never rotated. Colours are Okabe-Ito (safe for colour-blind readers: no red/green pair) on a light
neutral card, which reads the same in Discord's dark and light themes. The basis note belongs in
the embed, not the image.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import textwrap
import zlib
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Affine2D, Transform
from PIL import Image

from bot.analytics import (
    PROJECTION_LIMIT,
    Comparison,
    ComplianceSummary,
    Gap,
    Metric,
    Profile,
    Ranking,
    SeriesPoint,
    Verdict,
)
from bot.analytics import targets as registry
from bot.models import NATO_EUR_CAN, NATO_TOTAL, Basis
from bot.render import chart_wording as words
from bot.render.wording import BASIS_LABEL, aggregate_label, fmt_metric

WIDTH_IN, DPI = 5.0, 320
WIDTH_PX = int(WIDTH_IN * DPI)
#: The narrowest a chart is seen at (a phone), and the smallest text allowed there.
PHONE_PX, MIN_TEXT_PX = 400, 12.0
#: Points at DPI for MIN_TEXT_PX at PHONE_PX: 10.8 pt; the smallest size used is SMALL_PT.
MIN_TEXT_PT = MIN_TEXT_PX * WIDTH_PX / PHONE_PX / DPI * 72
SMALL_PT, BASE_PT, TITLE_PT = 11.0, 12.0, 13.0

# Okabe-Ito.
BLUE, SKY, ORANGE, VERMILLION = "#0072B2", "#56B4E9", "#E69F00", "#D55E00"
PURPLE, GREY, INK = "#CC79A7", "#8C8C8C", "#222222"
CARD, MUTED = "#F7F7F5", "#444444"
#: matplotlib's default text colour, which the bar labels keep.
INK_DEFAULT = "black"
TITLE_WRAP = 44
#: Height of one row of line labels above a bar chart (inches).
LABEL_ROW_IN = 0.22
VERDICT_COLOUR = {Verdict.MEETS: BLUE, Verdict.OPEN: SKY, Verdict.BELOW: ORANGE}
SERIES_COLOURS = (BLUE, ORANGE, INK, PURPLE, SKY)
#: The line of the target asked about; 2% drawn for reference in grey.
TARGET_COLOUR, REFERENCE_COLOUR, NATO_COLOUR = VERMILLION, GREY, PURPLE
ESTIMATE_HATCH = "///"
#: Opacity of an estimate's bar (and of its key in the legend).
ESTIMATE_ALPHA = 0.55
BAR_HEIGHT = 0.72

#: The target lines the profile chart draws: 2% and 3.5%.
DEFAULT_TARGETS = (registry.WALES.value, registry.HAGUE_CORE.value)


# Glyphs here are 45-60 px tall, where hinting (snapping outlines to the pixel grid) changes
# nothing visible, and the default auto-hinter costs ~10% of a bar chart. Set once for the
# process: the same for every chart, wherever it is drawn.
matplotlib.rcParams["text.hinting"] = "no_hinting"


def _figure(height_in: float) -> Figure:
    figure = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, facecolor=CARD)
    FigureCanvasAgg(figure)
    return figure


def _axes(figure: Figure) -> Axes:
    axes = figure.add_subplot()
    # No background of its own: the figure's card shows through (one 4-megapixel fill less).
    axes.patch.set_visible(False)
    axes.spines[["top", "right"]].set_visible(False)
    # Sizes set on each artist, never through rcParams: those are global (threads share them).
    axes.tick_params(labelsize=BASE_PT, colors=INK)
    return axes


#: Anti-aliasing steps from the card to each colour in the PNG's palette.
BLEND_STEPS = 15


def _chart_palette() -> Image.Image:
    """The palette every chart is written with: the card, and each colour the charts draw in
    blended onto the card in BLEND_STEPS steps (anti-aliased edges, lighter estimate bars and
    faint grid lines all lie on those blends): 151 of the 256 colours a palette holds. Fixed,
    so a PNG costs one nearest-colour lookup per pixel instead of building a palette from its
    5 million pixels (~8 ms, not ~50). ``tests/unit/bot/render/test_charts.py`` checks no chart
    strays from it.
    """
    card = to_rgba(CARD)[:3]
    colours = [card]
    # matplotlib's own defaults too: black text and spines, grey grid lines.
    defaults = ("black", matplotlib.rcParams["grid.color"])
    for ink in (INK, MUTED, BLUE, SKY, ORANGE, VERMILLION, PURPLE, GREY, *defaults):
        rgb = to_rgba(ink)[:3]
        for step in range(1, BLEND_STEPS + 1):
            t = step / BLEND_STEPS
            colours.append(
                (
                    card[0] + (rgb[0] - card[0]) * t,
                    card[1] + (rgb[1] - card[1]) * t,
                    card[2] + (rgb[2] - card[2]) * t,
                )
            )
    flat = [round(channel * 255) for colour in colours for channel in colour]
    palette = Image.new("P", (1, 1))
    palette.putpalette(flat + flat[:3] * (256 - len(colours)))
    return palette


PALETTE = _chart_palette()


#: Rows of pixels converted at a time: a strip's RGB copy is ~1.6 MB, not the whole 21 MB.
STRIP_ROWS = 256


def to_png(figure: Figure) -> bytes:
    """The figure as a palette PNG: mapping to the charts' own palette and encoding one byte a
    pixel is faster than encoding four, and half the size."""
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    canvas.draw()  # type: ignore[no-untyped-call]
    width, height = canvas.get_width_height()
    pixels = memoryview(canvas.buffer_rgba()).cast("B")  # type: ignore[no-untyped-call]
    paletted = Image.new("P", (width, height))
    paletted.putpalette(PALETTE.getpalette() or [])
    row_bytes = width * 4
    for top in range(0, height, STRIP_ROWS):
        rows = min(STRIP_ROWS, height - top)
        # The card is opaque: read the pixels as RGB (alpha dropped while unpacking).
        strip = Image.frombytes(
            "RGB", (width, rows), pixels[top * row_bytes : (top + rows) * row_bytes], "raw", "RGBX"
        )
        paletted.paste(strip.quantize(palette=PALETTE, dither=Image.Dither.NONE), (0, top))
    buffer = io.BytesIO()
    # No timestamp or software metadata: the same data gives the same bytes. Run-length
    # matching suits a chart's flat areas: 10% smaller than the default strategy, as fast.
    paletted.save(buffer, format="png", compress_level=1, compress_type=zlib.Z_RLE)
    return buffer.getvalue()


def _title(figure: Figure, title: str, subtitle: str | None, *, label_rows: int = 0) -> float:
    """Title (wrapped for a phone) and subtitle at the top; the axes' top as a figure fraction,
    leaving ``label_rows`` rows for line labels above the axes."""
    height = figure.get_figheight()
    lines = textwrap.wrap(title, TITLE_WRAP) or [""]
    figure.text(
        0.03, 1 - 0.1 / height, "\n".join(lines), fontsize=TITLE_PT, fontweight="bold", va="top"
    )
    used = 0.1 + 0.25 * len(lines) + 0.05
    if subtitle:
        figure.text(0.03, 1 - used / height, subtitle, fontsize=SMALL_PT, color=MUTED, va="top")
        used += 0.25
    return 1 - (used + 0.1 + LABEL_ROW_IN * label_rows) / height


# --------------------------------------------------------------------------- bars


def _vline(axes: Axes, x: float, label: str, colour: str, style: str, *, row: int | None) -> None:
    """A vertical line labelled on the line itself: above the axes in label row ``row``
    (0 = nearest), or inside at the bottom when ``row`` is None. Set the x limits first."""
    axes.axvline(x, color=colour, linewidth=2 if style == "-" else 1.5, linestyle=style, zorder=3)
    low, high = axes.get_xlim()
    right = x > low + 0.55 * (high - low)  # labels of lines on the right run leftwards
    lift = 2.0 if row is None else 3 + row * LABEL_ROW_IN * 72
    xy = (x, 0.0 if row is None else 1.0)
    offset, va = (-3 if right else 3, lift), "bottom"
    axes.annotate(
        label,
        xy=xy,
        xycoords=("data", "axes fraction"),
        xytext=offset,
        textcoords="offset points",
        ha="right" if right else "left",
        va=va,
        fontsize=SMALL_PT,
        color=colour,
        fontweight="bold",
        bbox={"facecolor": CARD, "edgecolor": "none", "pad": 1, "alpha": 0.85},
        annotation_clip=False,
        zorder=4,
    )


#: Characters of the figures on bars ("12,345.60", "-1.41"): their outlines are put side by
#: side from one cached outline per character (their font has no kerning between them).
FIGURE_CHARACTERS = frozenset("0123456789.,-")


@functools.lru_cache(maxsize=2048)
def _outline(text: str, fontsize: float) -> tuple[Path, float, float]:
    """A label's glyph outline in points from its baseline origin, its ink top and right edge.
    Cached: building an outline costs more than drawing it (~0.3 ms), and a worker draws the
    same codes chart after chart; figures, new in every ranking, are put together from their
    characters' outlines instead (~0.03 ms)."""
    if text and set(text) <= FIGURE_CHARACTERS:
        pieces = [_character(c, fontsize) for c in text]
        starts = itertools.accumulate((advance for _, _, advance in pieces[:-1]), initial=0.0)
        outline = Path(
            np.concatenate(
                [
                    vertices + np.array((x, 0.0))
                    for (vertices, _, _), x in zip(pieces, starts, strict=True)
                ]
            ),
            np.concatenate([codes for _, codes, _ in pieces]),
        )
    else:
        outline = TextPath((0, 0), text, prop=FontProperties(size=fontsize))
    # The ink's top and right edge from the outline's points, not Path.get_extents (which
    # solves every curve: ~3 ms a label): fonts put a point at each curve's extreme.
    points = np.asarray(outline.vertices, dtype=float)
    right, top = points.max(axis=0) if len(points) else (0.0, 0.0)
    return outline, float(top), float(right)


@functools.lru_cache(maxsize=64)
def _character(char: str, fontsize: float) -> tuple[Any, Any, float]:
    """One character's outline (vertices, codes) and its advance: how far the next starts."""
    font = FontProperties(size=fontsize)
    one = TextPath((0, 0), char, prop=font)
    two = TextPath((0, 0), char * 2, prop=font)  # the second starts one advance on
    advance = np.asarray(two.vertices)[:, 0].max() - np.asarray(one.vertices)[:, 0].max()
    return one.vertices, one.codes, float(advance)


class LabelCollection(PathCollection):
    """Short one-line labels (a bar chart's allies and values) as glyph outlines, all drawn in
    one call: matplotlib 3.11 draws a Text glyph by glyph in Python, so 64 bar labels were
    a third of a bar chart's time; their outlines (see ``_outline``), filled at once, cost a
    fraction of that.

    Each label sits at its offset (in ``offset_transform``'s coordinates), moved ``nudge``
    points along x: right-aligned to that point when the nudge is negative, left-aligned when
    not, and vertically centred on it by half the height of a digit (the labels are codes and
    figures). ``fontsize`` and ``texts`` are kept for the legibility tests.
    """

    def __init__(
        self,
        texts: Sequence[str],
        offsets: Sequence[tuple[float, float]],
        *,
        fontsize: float,
        nudge: float,
        offset_transform: Transform,
        dpi: float,
    ) -> None:
        self.texts, self.fontsize = tuple(texts), fontsize
        middle = _outline("0", fontsize)[1] / 2
        paths = []
        for text in texts:
            outline, _, right = _outline(text, fontsize)
            shift = nudge - right if nudge < 0 else nudge
            paths.append(outline.transformed(Affine2D().translate(shift, -middle)))
        super().__init__(
            paths,
            offsets=offsets,
            offset_transform=offset_transform,
            transform=Affine2D().scale(dpi / 72),  # points to pixels
            facecolors=INK_DEFAULT,
            linewidths=0,
            zorder=3,
        )
        self.set_clip_on(False)


def _bars(
    figure: Figure,
    labels: Sequence[str],
    values: Sequence[float],
    colours: Sequence[str],
    estimates: Sequence[bool],
    value_text: Callable[[float], str],
) -> Axes:
    """Horizontal bars, largest at the top, each with its value at its end. Estimates hatched
    and lighter (unless every bar is one: the subtitle says so instead)."""
    axes = _axes(figure)
    rows = list(range(len(values)))[::-1]
    mark = not all(estimates)
    # The bars as a few polygon collections, not 32 patches (each patch is an artist to build,
    # fit into the data limits and draw): the plain bars in one, and the estimates (lighter,
    # hatched in their colour) in one per colour, since a collection has one hatch colour.
    half = BAR_HEIGHT / 2
    boxes = [
        [(0.0, row - half), (value, row - half), (value, row + half), (0.0, row + half)]
        for row, value in zip(rows, values, strict=True)
    ]
    hatched = [mark and estimate for estimate in estimates]
    plain = [i for i, hatch in enumerate(hatched) if not hatch]
    axes.add_collection(
        PolyCollection(
            [boxes[i] for i in plain],
            facecolors=[colours[i] for i in plain],
            linewidths=0,
            zorder=2,
        ),
        autolim=False,
    )
    for colour in dict.fromkeys(c for c, hatch in zip(colours, hatched, strict=True) if hatch):
        axes.add_collection(
            PolyCollection(
                [b for b, c, h in zip(boxes, colours, hatched, strict=True) if h and c == colour],
                facecolors=to_rgba(colour, ESTIMATE_ALPHA),
                edgecolors=colour,
                hatch=ESTIMATE_HATCH,
                linewidths=0,
                zorder=2,
            ),
            autolim=False,
        )
    # A value at each bar's end, 3 points out (a negative bar's right of zero, where its own
    # bar leaves room: left of it, it ran into the ally's label), and each ally's code 4 points
    # left of the axes: one label collection each, not 64 texts (see LabelCollection).
    axes.set_yticks([])
    axes.add_collection(
        LabelCollection(
            [value_text(v) for v in values],
            [(max(v, 0.0), row) for v, row in zip(values, rows, strict=True)],
            fontsize=SMALL_PT,
            nudge=3.0,
            offset_transform=axes.transData,
            dpi=figure.dpi,
        ),
        autolim=False,
    )
    axes.add_collection(
        LabelCollection(
            list(labels),
            [(0.0, row) for row in rows],
            fontsize=BASE_PT,
            nudge=-4.0,
            offset_transform=axes.get_yaxis_transform(),
            dpi=figure.dpi,
        ),
        autolim=False,
    )
    axes.set_ylim(-0.9, len(values) - 0.3)
    axes.xaxis.set_major_locator(MaxNLocator(nbins=5))
    axes.grid(axis="x", linewidth=0.4, alpha=0.5, zorder=0)
    low = min([0.0, *values])
    high = max([0.0, *values])
    axes.set_xlim(low * 1.25 if low < 0 else 0, high * 1.2 or 1)
    return axes


def _bar_height(count: int) -> float:
    return 3.0 + 0.24 * max(count, 3)


def _estimates_note(year: int, estimates: Sequence[bool]) -> str | None:
    return f"All {year} figures are NATO estimates" if estimates and all(estimates) else None


def _subtitle(release_id: str, note: str | None) -> str:
    return f"NATO release {release_id}" + (f" · {note}" if note else "")


def summary_figure(result: ComplianceSummary) -> Figure:
    """Allies' shares as sorted bars coloured by verdict; target, 2% and NATO as a whole marked."""
    shares = sorted(
        [*result.meeting, *result.open, *result.below],
        key=lambda s: (-s.share_rounded, s.country.name),
    )
    estimates = [s.estimate for s in shares]
    figure = _figure(_bar_height(len(shares)))
    axes = _bars(
        figure,
        [s.country.iso3 for s in shares],
        [s.share_rounded for s in shares],
        [VERDICT_COLOUR[s.verdict] for s in shares],
        estimates,
        lambda v: f"{v:.2f}",
    )
    right = max([s.share_rounded for s in shares] + [result.target, 1.0]) * 1.15
    axes.set_xlim(0, right)
    rows = _share_lines(axes, result.target, result.shortfall_to, result.year)
    if result.nato_total is not None:
        nato = result.nato_total.share_rounded
        _vline(axes, nato, words.nato_label(nato), NATO_COLOUR, "--", row=None)
    axes.set_xlabel("% of GDP", fontsize=BASE_PT)
    verdicts = [v for v in Verdict if any(s.verdict is v for s in shares)]
    _legend(
        figure,
        [(words.verdict_key(result, v), VERDICT_COLOUR[v]) for v in verdicts],
        any(estimates) and not all(estimates),
    )
    top = _title(
        figure,
        words.summary_chart_title(result),
        _subtitle(result.release_id, _estimates_note(result.year, estimates)),
        label_rows=rows,
    )
    _layout(figure, top)
    return figure


def _share_lines(axes: Axes, target: float, core: float, year: int) -> int:
    """The target's line (and 3.5% for 5%, 2% for reference), named as in ``year``; the label
    rows used."""
    lines = [(target, TARGET_COLOUR, "-")]
    if core != target:
        lines.append((core, TARGET_COLOUR, ":"))
    wales = registry.WALES.value
    if wales not in (target, core):
        lines.append((wales, REFERENCE_COLOUR, ":"))
    for row, (value, colour, style) in enumerate(sorted(lines, key=lambda line: line[0])):
        _vline(axes, value, words.target_line_label(value, year), colour, style, row=row)
    return len(lines)


def _legend(figure: Figure, keys: list[tuple[str, str]], estimates: bool) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=colour, label=label) for label, colour in keys]
    if estimates:
        handles.append(
            Patch(
                facecolor=GREY,
                alpha=ESTIMATE_ALPHA,
                hatch=ESTIMATE_HATCH,
                edgecolor=GREY,
                label=words.ESTIMATE_KEY,
            )
        )
    figure.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.02, 0.0),
        ncols=2,
        frameon=False,
        fontsize=SMALL_PT,
        handlelength=1.2,
        columnspacing=1.0,
    )


def _layout(figure: Figure, top: float) -> None:
    """Room below the axes for the x label and a two-row legend."""
    figure.subplots_adjust(left=0.14, right=0.95, top=top, bottom=1.25 / figure.get_figheight())


def ranking_figure(result: Ranking, target: float | None = None) -> Figure:
    """Allies by the metric as sorted bars; share of GDP coloured against ``target`` (2% if
    none), equipment against its 20% guideline."""
    metric = result.metric
    rows = result.rows
    goal = target if target is not None else registry.WALES.value
    guideline = registry.EQUIPMENT.value
    if metric is Metric.SHARE:
        colours = [BLUE if r.value_rounded >= goal else ORANGE for r in rows]
    elif metric is Metric.EQUIPMENT:
        colours = [BLUE if r.value_rounded >= guideline else ORANGE for r in rows]
    else:
        colours = [BLUE for _ in rows]
    estimates = [r.estimate for r in rows]
    figure = _figure(_bar_height(len(rows)))
    axes = _bars(
        figure,
        [r.country.iso3 for r in rows],
        [r.value_rounded for r in rows],
        colours,
        estimates,
        lambda v: fmt_metric(metric, v),
    )
    keys: list[tuple[str, str]] = []
    label_rows = 0
    if metric is Metric.SHARE:
        high = max([r.value_rounded for r in rows] + [goal])
        axes.set_xlim(0, high * 1.15)
        label_rows = _share_lines(axes, goal, goal, result.year)
        keys = [(f"at or above {goal:g}%", BLUE), (f"below {goal:g}%", ORANGE)]
    elif metric is Metric.EQUIPMENT:
        high = max([r.value_rounded for r in rows] + [guideline])
        axes.set_xlim(0, high * 1.15)
        _vline(axes, guideline, f"{guideline:g}% guideline", TARGET_COLOUR, "-", row=0)
        label_rows = 1
        keys = [(f"meets {guideline:g}%", BLUE), (f"below {guideline:g}%", ORANGE)]
    if result.nato_total is not None and metric in (Metric.SHARE, Metric.EQUIPMENT):
        nato = result.nato_total.value_rounded
        label = f"{aggregate_label(result.nato_total.code)} {fmt_metric(metric, nato)}"
        _vline(axes, nato, label, NATO_COLOUR, "--", row=None)
    axes.set_xlabel(metric.unit, fontsize=BASE_PT)
    if not rows:
        axes.text(
            0.5,
            0.5,
            "No ally has this figure",
            ha="center",
            transform=axes.transAxes,
            fontsize=BASE_PT,
        )
    _legend(figure, keys, any(estimates) and not all(estimates))
    top = _title(
        figure,
        f"{metric.label}, {result.year}",
        _subtitle(result.release_id, _estimates_note(result.year, estimates)),
        label_rows=label_rows,
    )
    _layout(figure, top)
    return figure


# --------------------------------------------------------------------------- lines


def _plot_series(
    axes: Axes, series: Sequence[SeriesPoint], colour: str, label: str | None = None
) -> None:
    """Solid line through published figures, dashed into and between estimates, hollow
    markers on estimates."""
    nan = float("nan")
    solid = [nan] * len(series)
    dashed = [nan] * len(series)
    for i, (before, after) in enumerate(pairwise(series)):
        line = dashed if before.estimate or after.estimate else solid
        line[i], line[i + 1] = before.share_rounded, after.share_rounded
    years = [p.year for p in series]
    axes.plot(years, solid, color=colour, linewidth=2.5, linestyle="-", zorder=3, label=label)
    axes.plot(years, dashed, color=colour, linewidth=2.5, linestyle="--", zorder=3)
    for estimate in (False, True):
        points = [p for p in series if p.estimate == estimate]
        axes.plot(
            [p.year for p in points],
            [p.share_rounded for p in points],
            linestyle="none",
            marker="o",
            markersize=5,
            color=colour,
            markerfacecolor=CARD if estimate else colour,
            zorder=4,
        )


def _estimate_key(axes: Axes) -> None:
    """The line charts' key to their dashed (estimate) segments, bottom right."""
    axes.text(
        0.99,
        0.02,
        words.ESTIMATE_LINE_KEY,
        ha="right",
        transform=axes.transAxes,
        fontsize=SMALL_PT,
        color=MUTED,
    )


def _hline(axes: Axes, y: float, label: str, colour: str, style: str) -> None:
    """A horizontal target line labelled on the line, at its left end."""
    axes.axhline(y, color=colour, linewidth=1.5, linestyle=style, zorder=2)
    axes.annotate(
        label,
        xy=(0.0, y),
        xycoords=("axes fraction", "data"),
        xytext=(2, 2),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=SMALL_PT,
        color=colour,
        fontweight="bold",
        bbox={"facecolor": CARD, "edgecolor": "none", "pad": 1, "alpha": 0.85},
        zorder=5,
    )


def _joined_line(axes: Axes, joined: int) -> None:
    """A dotted line where the ally joined, labelled at the top: the grey years are before it."""
    x = joined - 0.5
    axes.axvline(x, color=REFERENCE_COLOUR, linewidth=1.2, linestyle=":", zorder=1)
    axes.annotate(
        words.joined_label(joined),
        xy=(x, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -3),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=SMALL_PT,
        color=MUTED,
        zorder=5,
    )


def _label_ends(axes: Axes, ends: list[tuple[float, float, str, str]], spread: float) -> None:
    """Latest values labelled right of their line ends, nudged apart so none overlap."""
    placed: list[float] = []
    for x, y, text, colour in sorted(ends, key=lambda e: e[1]):
        at = max([y, *(p + spread for p in placed[-1:])])
        placed.append(at)
        axes.annotate(
            text,
            xy=(x, y),
            xytext=(x, at),
            textcoords="data",
            ha="left",
            va="center",
            fontsize=SMALL_PT,
            color=colour,
            fontweight="bold",
            annotation_clip=False,
        )


def _year_axis(axes: Axes, first: int, last: int, room: float) -> None:
    """Years as ticks, at most five, never past the data; ``room`` right for end labels."""
    axes.set_xlim(first - 0.5, last + room)
    step = max(1, math.ceil((last - first) / 4))
    axes.set_xticks(list(range(last, first - 1, -step))[::-1])
    axes.grid(axis="y", linewidth=0.4, alpha=0.5)
    axes.set_ylabel("% of GDP", fontsize=BASE_PT)


def _line_figure(height: float = 4.0) -> tuple[Figure, Axes]:
    figure = _figure(height)
    return figure, _axes(figure)


def _line_layout(figure: Figure, top: float, bottom_in: float = 0.45) -> None:
    figure.subplots_adjust(
        left=0.13, right=0.97, top=top, bottom=bottom_in / figure.get_figheight()
    )


def line_count(series: Sequence[SeriesPoint]) -> int:
    """Years on a line: a line chart needs two."""
    return len({p.year for p in series})


def trend_figure(
    source: Profile | Sequence[SeriesPoint],
    *,
    title: str | None = None,
    targets: Sequence[float] = DEFAULT_TARGETS,
) -> Figure:
    """One ally's share over time with target lines; the latest value labelled."""
    if isinstance(source, Profile):
        series = sorted(source.series, key=lambda p: p.year)
        title = title or words.profile_chart_title(source)
        subtitle: str | None = f"NATO release {source.release_id}"
    else:
        series = sorted(source, key=lambda p: p.year)
        subtitle = None
    figure, axes = _line_figure()
    joined = source.joined_within_series if isinstance(source, Profile) else None
    if joined is None:
        _plot_series(axes, series, BLUE)
    else:
        # The years before the ally joined in grey, up to its first year in the alliance.
        before = [p for p in series if p.year < joined]
        member = [p for p in series if p.year >= joined]
        _plot_series(axes, before + member[:1], REFERENCE_COLOUR)
        _plot_series(axes, member, BLUE)
        _joined_line(axes, joined)
    # The lines are named as in the latest year drawn: what the target is now.
    latest = series[-1].year if series else registry.WALES.commitment_from or 2024
    for target in targets:
        style = "-" if target != registry.WALES.value else ":"
        colour = TARGET_COLOUR if target != registry.WALES.value else REFERENCE_COLOUR
        _hline(axes, target, words.target_line_label(target, latest), colour, style)
    top = max([p.share_rounded for p in series] + list(targets) + [1.0])
    axes.set_ylim(0, top * 1.2)
    if series:
        last = series[-1]
        _year_axis(axes, series[0].year, last.year, 2.2)
        _label_ends(
            axes, [(last.year + 0.3, last.share_rounded, f"{last.share_rounded:.2f}", BLUE)], 0
        )
    else:
        axes.set_xticks([])
        axes.text(
            0.5,
            0.6,
            "No share of GDP published",
            ha="center",
            transform=axes.transAxes,
            fontsize=BASE_PT,
        )
    if any(p.estimate for p in series):
        _estimate_key(axes)
    _line_layout(figure, _title(figure, title or "Defence spending, % of GDP", subtitle))
    return figure


#: NATO's aggregates on a line's end label, where an ally has its three-letter code.
AGGREGATE_SHORT = {NATO_TOTAL: "NATO", NATO_EUR_CAN: "Eur+Can"}


def _short_name(code: str) -> str:
    return AGGREGATE_SHORT.get(code, code)


def compare_figure(result: Comparison, profiles: Sequence[Profile]) -> Figure:
    """The allies' shares over time, one line each, the target line, estimates dashed."""
    figure, axes = _line_figure()
    ends = []
    years = [p.year for profile in profiles for p in profile.series]
    shares = [p.share_rounded for profile in profiles for p in profile.series]
    for colour, profile in zip(SERIES_COLOURS, profiles, strict=False):
        series = sorted(profile.series, key=lambda p: p.year)
        _plot_series(axes, series, colour)
        if series:
            last = series[-1]
            text = f"{_short_name(profile.country.iso3)} {last.share_rounded:.2f}"
            ends.append((last.year + 0.3, last.share_rounded, text, colour))
    _hline(
        axes, result.target, words.target_line_label(result.target, result.year), TARGET_COLOUR, "-"
    )
    top = max([*shares, result.target, 1.0]) * 1.2
    axes.set_ylim(0, top)
    if years:
        span = max(years) - min(years)
        _year_axis(axes, min(years), max(years), 1.0 + span * 0.3)
    _label_ends(axes, ends, top * 0.07)
    if any(p.estimate for profile in profiles for p in profile.series):
        _estimate_key(axes)
    title = words.compare_chart_title(result)
    _line_layout(figure, _title(figure, title, f"NATO release {result.release_id}"))
    return figure


def gap_figure(result: Gap, profile: Profile) -> Figure:
    """The published series, the straight line needed to reach the target by its due year, and
    the current pace extended, with the year it gets there (never past PROJECTION_LIMIT)."""
    series = sorted((p for p in profile.series if p.year <= result.year), key=lambda p: p.year)
    if result.path is not None and result.path.later:
        series = sorted(profile.series, key=lambda p: p.year)
    figure, axes = _line_figure(5.0)
    _plot_series(axes, series, BLUE, label="published")
    to = result.measured_to
    _hline(axes, to, words.target_line_label(to, result.year), TARGET_COLOUR, ":")
    last_year = series[-1].year if series else result.year
    tops = [p.share_rounded for p in series] + [to, 1.0]
    path, needed = result.path, words.gap_needed(result)
    start = (result.year, result.share_rounded)
    if path is not None and needed is not None and not path.later:
        by, goal = needed
        last_year = max(last_year, by)
        rise = (goal - start[1]) / (by - start[0])
        axes.plot(
            [start[0], by],
            [start[1], goal],
            color=ORANGE,
            linewidth=2.5,
            linestyle="--",
            zorder=3,
            label=words.needed_label(rise),
        )
        if path.pace_per_year is not None:
            end = path.reach_year or min(max(by, result.year + 5), PROJECTION_LIMIT)
            end = min(end, PROJECTION_LIMIT)
            pace = path.pace_per_year
            axes.plot(
                [start[0], end],
                [start[1], start[1] + pace * (end - start[0])],
                color=GREY,
                linewidth=2.5,
                linestyle=":",
                zorder=3,
                label=words.pace_label(pace, path.pace_from_year),
            )
            tops.append(start[1] + pace * (end - start[0]))
            last_year = max(last_year, end)
            if path.reach_year is not None:
                axes.plot([path.reach_year], [goal], marker="o", color=INK, markersize=7, zorder=5)
                axes.annotate(
                    words.reach_label(goal, path.reach_year),
                    xy=(path.reach_year, goal),
                    xytext=(0.5, 0.93),
                    textcoords="axes fraction",
                    ha="center",
                    va="top",
                    fontsize=SMALL_PT,
                    arrowprops={"arrowstyle": "->", "color": INK},
                )
        figure.legend(
            loc="lower left",
            bbox_to_anchor=(0.02, 0.0),
            frameon=False,
            fontsize=SMALL_PT,
            ncols=1,
        )
    top = max(tops) * 1.25
    axes.set_ylim(0, top)
    first_year = series[0].year if series else result.year
    _year_axis(axes, first_year, last_year, 1.6)
    _label_ends(axes, [(start[0] + 0.3, start[1] - top * 0.06, f"{start[1]:.2f}", BLUE)], 0)
    top_at = _title(figure, words.gap_chart_title(result), f"NATO release {result.release_id}")
    drawn = path is not None and needed is not None and not path.later
    _line_layout(figure, top_at, 1.4 if drawn else 0.45)
    return figure


# --------------------------------------------------------------------------- entry points


def trend_chart(
    source: Profile | Sequence[SeriesPoint],
    *,
    title: str | None = None,
    basis: Basis | None = None,
    targets: Sequence[float] = DEFAULT_TARGETS,
) -> bytes:
    """A profile's (or a bare series') share of GDP over time, as PNG bytes.

    ``basis`` is accepted for callers that name it; the basis note goes in the embed.
    """
    del basis
    return to_png(trend_figure(source, title=title, targets=targets))


#: What the worker pool can draw, by name: each takes analytics results and returns a Figure.
FIGURES: dict[str, Callable[..., Figure]] = {
    "summary": summary_figure,
    "ranking": ranking_figure,
    "compare": compare_figure,
    "gap": gap_figure,
    "profile": trend_figure,
}


def render(kind: str, *args: Any) -> bytes:
    """PNG bytes of the chart ``kind`` of ``args``."""
    return to_png(FIGURES[kind](*args))


__all__ = ["BASIS_LABEL", "FIGURES", "render", "trend_chart"]
