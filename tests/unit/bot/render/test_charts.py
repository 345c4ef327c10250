"""The charts themselves, drawn in this process from real analytics results: every chart command's
chart for every release (or the one line said instead), legible at phone width, alt text that
states the finding."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text
from matplotlib.textpath import TextPath
from PIL import Image, ImageChops

from bot import analytics, chart_replies
from bot.analytics import targets as registry
from bot.chart_replies import ChartReply
from bot.models import NATO_TOTAL, Snapshot
from bot.render import charts
from tests.support.png import PNG_SIGNATURE
from tests.support.snapshots import bundled_snapshot

SNAP = bundled_snapshot()
RELEASES = sorted(SNAP.releases)
ONE_YEAR = [r for r in RELEASES if len(SNAP.years(r)) == 1]
#: A representative set of allies per release (the full 32 x 5 grid of profiles is slow to
#: draw): a large, a small, an ally far below 2%, a late joiner, and one with no armed forces.
ALLIES = ("POL", "DEU", "ESP", "SWE", "ISL")


@pytest.fixture(scope="module")
def snap() -> Snapshot:
    return SNAP


def replies(snap: Snapshot, release: str) -> dict[str, ChartReply]:
    """Every chart command's chart for one release, as the cog asks for it."""
    found = {
        f"summary {t.value:g}": chart_replies.summary_reply(
            snap, analytics.summary(snap, release_id=release, target=t.value)
        )
        for t in registry.GDP_TARGETS
    }
    found["ranking share"] = chart_replies.ranking_reply(
        snap, analytics.ranking(snap, release_id=release), 3.5
    )
    found["ranking spending"] = chart_replies.ranking_reply(
        snap, analytics.ranking(snap, metric="spending", release_id=release)
    )
    found["compare"] = chart_replies.compare_reply(
        snap, analytics.compare(snap, ["POL", "DEU", "FRA"], release_id=release, target=3.5)
    )
    for iso3 in ALLIES:
        found[f"country {iso3}"] = chart_replies.profile_reply(
            snap, analytics.profile(snap, iso3, release_id=release)
        )
    for target in (2.0, 3.5):
        found[f"gap ESP {target:g}"] = chart_replies.gap_reply(
            snap, analytics.gap(snap, "ESP", release_id=release, target=target)
        )
    return found


def png_width(png: bytes) -> int:
    assert png.startswith(PNG_SIGNATURE)
    width, _ = struct.unpack(">II", png[16:24])
    return int(width)


@pytest.mark.parametrize("release", RELEASES)
def test_every_chart_command_has_a_png_with_alt_text_or_one_line(
    snap: Snapshot, release: str
) -> None:
    one_year = release in ONE_YEAR
    for name, reply in replies(snap, release).items():
        line_chart = not name.startswith(("summary", "ranking"))
        if reply.job is None:
            # Only a line chart may go without, and only when there is no line to draw.
            assert line_chart, f"{release} {name}: bars are drawn for any release"
            assert reply.note and "No chart" in reply.note and "\n" not in reply.note
            continue
        assert not (one_year and line_chart), f"{release} {name}: an empty line chart"
        assert reply.job.key[0] == snap.version.version_id
        assert 20 < len(reply.description) <= 1024, name
        png = charts.render(reply.job.kind, *reply.job.args)
        assert png_width(png) == charts.WIDTH_PX, name


@pytest.mark.parametrize("release", ONE_YEAR)
def test_one_year_releases_answer_line_charts_in_one_line(snap: Snapshot, release: str) -> None:
    found = replies(snap, release)
    for name in ("compare", "country POL", "gap ESP 2"):
        assert found[name].job is None
        assert found[name].note == (
            f"No chart: release {release} publishes one year only "
            f"({snap.years(release)[0]}), so there is no line."
        )


def _texts(figure: Figure) -> list[Text]:
    figure.canvas.draw()  # tick labels exist once the figure is laid out
    return [
        t
        for t in figure.findobj(Text)
        if isinstance(t, Text) and t.get_visible() and t.get_text().strip()
    ]


def figures(snap: Snapshot) -> dict[str, Figure]:
    newest = max(RELEASES)
    spain = analytics.profile(snap, "ESP", release_id="2024-06")
    compared = analytics.compare(snap, ["POL", "DEU", "FRA", "ITA", "ESP"], target=3.5)
    return {
        "summary 5": charts.summary_figure(analytics.summary(snap, target=5.0)),
        "ranking": charts.ranking_figure(analytics.ranking(snap, release_id=newest), 2.0),
        "ranking real change": charts.ranking_figure(
            analytics.ranking(snap, metric="real_change", release_id="2024-06")
        ),
        "compare": charts.compare_figure(
            compared, [analytics.profile(snap, c) for c in ("POL", "DEU", "FRA", "ITA", "ESP")]
        ),
        "gap": charts.gap_figure(
            analytics.gap(snap, "ESP", release_id="2024-06", target=2.0), spain
        ),
        "gap 3.5": charts.gap_figure(
            analytics.gap(snap, "DEU", target=3.5), analytics.profile(snap, "DEU")
        ),
        "country": charts.trend_figure(analytics.profile(snap, "POL")),
    }


def test_every_text_is_at_least_12_px_at_400_px_wide_and_none_is_rotated(snap: Snapshot) -> None:
    for name, figure in figures(snap).items():
        width_px = figure.get_figwidth() * figure.dpi
        assert width_px == charts.WIDTH_PX == 1600
        scale = charts.PHONE_PX / width_px
        texts = _texts(figure)
        assert len(texts) > 8, name
        for text in texts:
            px_at_phone = float(text.get_fontsize()) * figure.dpi / 72 * scale
            assert px_at_phone >= charts.MIN_TEXT_PX, (name, text.get_text(), px_at_phone)
        # The bars' labels and values are glyph outlines, drawn at their font size too.
        for labels in figure.findobj(charts.LabelCollection):
            assert isinstance(labels, charts.LabelCollection)
            px_at_phone = labels.fontsize * figure.dpi / 72 * scale
            assert px_at_phone >= charts.MIN_TEXT_PX, (name, labels.texts[:3], px_at_phone)
            assert text.get_rotation() == 0 or text.get_text() == "% of GDP", (
                name,
                text.get_text(),
            )


def test_no_red_green_pair_in_the_palette() -> None:
    """Okabe-Ito only, so colour-blind readers can tell every line and bar apart."""
    okabe_ito = {"#0072B2", "#56B4E9", "#E69F00", "#D55E00", "#CC79A7", "#8C8C8C", "#222222"}
    used = {
        *charts.VERDICT_COLOUR.values(),
        *charts.SERIES_COLOURS,
        charts.TARGET_COLOUR,
        charts.REFERENCE_COLOUR,
        charts.NATO_COLOUR,
    }
    assert used <= okabe_ito


def test_every_chart_keeps_to_the_png_palette(snap: Snapshot) -> None:
    """PNGs are written with one fixed palette (charts.PALETTE): a colour a chart draws in that
    it lacks would come out as the nearest other one (vermillion as orange, say: ~0.8% of the
    pixels off by more than 24 levels). Only the edges where two colours meet may be off."""
    for name, figure in figures(snap).items():
        canvas = figure.canvas
        assert isinstance(canvas, FigureCanvasAgg)
        canvas.draw()  # type: ignore[no-untyped-call]
        size = canvas.get_width_height()
        pixels = canvas.buffer_rgba()  # type: ignore[no-untyped-call]
        drawn = Image.frombytes("RGB", size, pixels, "raw", "RGBX")
        written = drawn.quantize(palette=charts.PALETTE, dither=Image.Dither.NONE)
        error = np.asarray(ImageChops.difference(drawn, written.convert("RGB"))).max(axis=2)
        off = int((error > 24).sum())
        assert off <= 0.002 * size[0] * size[1], (name, off)


def test_latest_value_is_labelled(snap: Snapshot) -> None:
    figure = charts.trend_figure(analytics.profile(snap, "POL"))
    latest = analytics.profile(snap, "POL").series[-1]
    assert f"{latest.share_rounded:.2f}" in [t.get_text() for t in _texts(figure)]
    compared = analytics.compare(snap, ["POL", "DEU"], target=3.5)
    profiles = [analytics.profile(snap, c) for c in ("POL", "DEU")]
    labels = [t.get_text() for t in _texts(charts.compare_figure(compared, profiles))]
    for profile in profiles:
        assert f"{profile.country.iso3} {profile.series[-1].share_rounded:.2f}" in labels
    # NATO as a whole, compared as an aggregate, gets a short name on its line.
    nato = analytics.profile(snap, NATO_TOTAL)
    compared = analytics.compare(snap, ["POL", NATO_TOTAL], target=3.5)
    figure = charts.compare_figure(compared, [profiles[0], nato])
    assert f"NATO {nato.series[-1].share_rounded:.2f}" in [t.get_text() for t in _texts(figure)]


def test_bar_charts_label_every_ally_and_its_value(snap: Snapshot) -> None:
    result = analytics.summary(snap, release_id="2024-06", year=2024, target=2.0)
    shares = [*result.meeting, *result.open, *result.below]
    collections = charts.summary_figure(result).findobj(charts.LabelCollection)
    found = {
        text
        for labels in collections
        if isinstance(labels, charts.LabelCollection)
        for text in labels.texts
    }
    assert {s.country.iso3 for s in shares} <= found
    assert {f"{s.share_rounded:.2f}" for s in shares} <= found


@pytest.mark.parametrize("text", ["12,345.60", "-1.41", "0.12", "98,765", "POL", "NATO_TOTAL"])
def test_a_label_outline_is_what_matplotlib_makes_of_the_text(text: str) -> None:
    """Figures are put together from their characters' outlines (and their ink found from the
    outline's points): the same outline and extents as matplotlib's own TextPath."""
    outline, top, right = charts._outline(text, charts.SMALL_PT)
    reference = TextPath((0, 0), text, prop=FontProperties(size=charts.SMALL_PT))
    assert np.allclose(outline.vertices, reference.vertices)
    assert np.array_equal(np.asarray(outline.codes), np.asarray(reference.codes))
    extents = reference.get_extents()
    assert top == pytest.approx(extents.y1) and right == pytest.approx(extents.x1)


def test_target_lines_are_labelled_on_the_chart(snap: Snapshot) -> None:
    labels = [t.get_text() for t in _texts(figures(snap)["summary 5"])]
    assert "5% Hague total" in labels
    assert "3.5% Hague core" in labels
    assert "2% Vilnius 2023" in labels  # the summary is of 2026
    assert any(label.startswith("NATO as a whole ") for label in labels)


def test_summary_alt_text_states_the_finding(snap: Snapshot) -> None:
    result = analytics.summary(snap, release_id="2024-06", year=2024, target=2.0)
    alt = chart_replies.summary_reply(snap, result).description
    assert alt.startswith("Bar chart: 23 of 31 allies meet 2% in 2024;")
    assert "lowest Spain 1.28% (estimate)" in alt
    assert "below 2%: " in alt and "Spain" in alt


def test_gap_alt_text_and_path_say_when_the_pace_gets_there(snap: Snapshot) -> None:
    result = analytics.gap(snap, "ESP", release_id="2024-06", year=2024, target=2.0)
    assert result.path is not None and result.path.reach_year is not None
    alt = chart_replies.gap_reply(snap, result).description
    assert alt.startswith("Line chart: Spain: 0.72 pts short of 2% in 2024")
    assert f"reaches 2% in {result.path.reach_year} at this pace" in alt
    # 2% is a yearly commitment: what is needed is reaching it the next year.
    assert "needs 2% by 2025" in alt


def test_compare_and_profile_alt_text_name_each_ally_and_its_latest_share(snap: Snapshot) -> None:
    compared = analytics.compare(snap, ["POL", "DEU"], target=3.5)
    alt = chart_replies.compare_reply(snap, compared).description
    poland = analytics.profile(snap, "POL")
    assert "Poland" in alt and "Germany" in alt and "against 3.5%" in alt
    assert f"{poland.series[-1].share_rounded:.2f}%" in alt
    assert chart_replies.profile_reply(snap, poland).description.startswith(
        "Line chart: Poland's defence spending went from "
    )


def test_an_ally_with_no_shares_gets_one_line(snap: Snapshot) -> None:
    reply = chart_replies.profile_reply(snap, analytics.profile(snap, "ISL"))
    assert reply.job is None
    assert reply.note is not None and "Iceland" in reply.note


def test_chart_keys_name_the_question(snap: Snapshot) -> None:
    two = chart_replies.summary_reply(snap, analytics.summary(snap, target=2.0))
    core = chart_replies.summary_reply(snap, analytics.summary(snap, target=3.5))
    again = chart_replies.summary_reply(snap, analytics.summary(snap, target=2.0))
    assert two.job is not None and core.job is not None and again.job is not None
    assert two.job.key == again.job.key != core.job.key


def test_the_years_before_an_ally_joined_are_grey_up_to_a_labelled_line(snap: Snapshot) -> None:
    """Issue 19.4: Finland's series starts in 2014; it joined in 2023."""
    finland = analytics.profile(snap, "FIN")
    assert [p.year for p in finland.series if not p.is_ally] == list(range(2014, 2023))
    assert finland.joined_within_series == 2023
    figure = charts.trend_figure(finland)
    assert "joined NATO 2023 →" in [t.get_text() for t in _texts(figure)]
    [axes] = figure.axes
    colours = {line.get_color() for line in axes.get_lines() if np.size(line.get_xdata()) > 2}
    assert charts.REFERENCE_COLOUR in colours and charts.BLUE in colours
    poland = analytics.profile(snap, "POL")
    assert poland.joined_within_series is None
    labels = [t.get_text() for t in _texts(charts.trend_figure(poland))]
    assert not any(label.startswith("joined NATO") for label in labels)
