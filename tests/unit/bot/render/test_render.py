"""Renderers: terminal text, Discord embeds (within Discord's limits) and PNG trend charts."""

from __future__ import annotations

import re
import struct
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import discord
import pytest

from bot import analytics
from bot.analytics import Metric, NoFigures, SeriesPoint, Verdict
from bot.models import Snapshot
from bot.render import charts, embeds, text, wording
from tests.support.discord_text import embed_text
from tests.support.limits import embed_problems
from tests.support.oracle import (
    cell,
    csv_rows,
    half_up,
    median_text,
    not_published,
    provenances,
    release_ids,
    release_years,
    verdicts,
)
from tests.support.png import PNG_SIGNATURE
from tests.support.snapshots import bundled_snapshot, snapshot_of


@pytest.fixture(scope="module")
def snap() -> Snapshot:
    return bundled_snapshot()


def published_words(published: str) -> str:
    """'2024-06-17' -> '17 June 2024', '2026-07' -> 'July 2026' (the oracle: strptime)."""
    if len(published) == 10:
        day = datetime.strptime(published, "%Y-%m-%d")
        return f"{day.day} {day:%B %Y}"
    return f"{datetime.strptime(published, '%Y-%m'):%B %Y}"


def footer_for(release_id: str, year: int) -> str:
    row = next(r for r in csv_rows("releases.csv") if r["release"] == release_id)
    published = published_words(row["published"])
    return f"Source: NATO, {row['title']}, published {published} · figures for {year}"


# --------------------------------------------------------------------------- text


def test_text_gap_exactly_at_the_target(snap: Snapshot) -> None:
    out = text.render(analytics.gap(snap, "SVK", release_id="2024-06", year=2024, target=2))
    assert "Slovakia meets 2% with 2.00% of GDP (estimate): exactly at 2%." in out
    assert "0.00 pts" not in out and "$0" not in out


def test_text_profile_and_comparison(snap: Snapshot) -> None:
    profile = text.render(analytics.profile(snap, "POL", release_id="2024-06"))
    assert "4.12e" in profile and "Rank by share" in profile and "1 of 31" in profile
    comparison = text.render(analytics.compare(snap, ["POL", "ISL"], release_id="2024-06"))
    assert "Iceland has no armed forces" in comparison
    assert "+2.12" in comparison


def test_text_targets_lists_each_release_basis(snap: Snapshot) -> None:
    out = text.render_targets(snap.releases.values())
    for row in csv_rows("releases.csv"):
        assert row["release"] in out
    assert "1.5%" in out and "20%" in out


def test_render_refuses_unknown_results() -> None:
    with pytest.raises(TypeError):
        text.render(object())


# --------------------------------------------------------------------------- embeds


TARGETS = (0.5, 2.0, 3.5, 5.0, 10.0)


def every_embed(snap: Snapshot) -> list[tuple[str, discord.Embed]]:
    """An embed of every kind for every release, year, metric and target the data has."""
    out: list[tuple[str, discord.Embed]] = []
    for rid in snap.releases:
        years = snap.years(rid)
        for year in years:
            for target in TARGETS:
                result = analytics.summary(snap, release_id=rid, year=year, target=target)
                out.append((f"summary {rid} {year} {target}", embeds.summary_embed(result)))
            for metric in Metric:
                ranking = ranking_or_none(snap, metric, rid, year)
                if ranking is None:
                    continue
                used = ranking.release_id  # the newest release with the metric, if rid lacks it
                for page in embeds.ranking_pages(ranking):
                    out.append((f"ranking {used} {year} {metric}", page))
                # One page for all: the longest a ranking embed gets.
                for page in embeds.ranking_pages(ranking, per_page=len(snap.countries)):
                    out.append((f"ranking1 {used} {year} {metric}", page))
        for country in snap.countries.values():
            out.append(
                (
                    f"profile {rid} {country.iso3}",
                    embeds.profile_embed(analytics.profile(snap, country.iso3, release_id=rid)),
                )
            )
            for target in (2.0, 2.5, 3.5, 5.0):
                try:
                    gap = analytics.gap(snap, country.iso3, release_id=rid, target=target)
                except NoFigures:
                    continue
                out.append((f"gap {rid} {country.iso3} {target}", embeds.gap_embed(gap)))
        codes = list(snap.countries)
        for start in range(0, len(codes), 5):
            group = codes[start : start + 5]
            if len(group) >= 2:
                comparison = analytics.compare(snap, group, release_id=rid, year=years[-1])
                out.append((f"compare {rid} {group}", embeds.compare_embed(comparison)))
    for country in snap.countries.values():
        try:
            revisions = analytics.revisions(snap, country.iso3)
        except NoFigures:
            continue
        out.append((f"revisions {country.iso3}", embeds.revisions_embed(revisions)))
    out.append(("targets", embeds.targets_embed(snap)))
    out.append(
        (
            "about",
            embeds.about_embed(
                snap, uptime_seconds=3725.0, latency_seconds=float("nan"), guild_count=3
            ),
        )
    )
    return out


def ranking_or_none(
    snap: Snapshot, metric: Metric, release_id: str, year: int
) -> analytics.Ranking | None:
    """The ranking a command answers with, or None when no release has the metric that year."""
    try:
        return analytics.ranking(snap, metric=metric, release_id=release_id, year=year)
    except analytics.MetricNotPublished:
        return None


@pytest.fixture(scope="module")
def built(snap: Snapshot) -> list[tuple[str, discord.Embed]]:
    return every_embed(snap)


def test_every_result_embed_cites_release_basis_and_year(
    snap: Snapshot, built: list[tuple[str, discord.Embed]]
) -> None:
    for name, embed in built:
        kind = name.split()[0]
        if kind in {"targets", "about", "revisions"}:
            continue
        rid = name.split()[1]
        footer = embed.footer.text or ""
        assert footer.startswith("Source: NATO, "), name
        assert "e = NATO estimate" in footer or "figures are NATO estimates" in footer, name
        assert f"NATO {rid} · " in (embed.description or ""), name
        # What the release calls the measure, once, and no hedge about it.
        measure = {"total": "defence expenditure", "core": "core defence expenditure"}
        assert f"NATO {rid} · {measure[snap.releases[rid].basis]}" in (embed.description or "")
        assert "Note:" not in (embed.description or ""), name
        for hedge in ("may still meet", "may fall short", "on core alone", "not in this release"):
            assert hedge not in embed_text(embed), (name, hedge)
        assert "page" not in footer, name  # the paginator's button shows the page


def test_every_footer_says_when_the_release_was_published(
    snap: Snapshot, built: list[tuple[str, discord.Embed]]
) -> None:
    for name, embed in built:
        footer = embed.footer.text or ""
        assert ") (" not in footer, name
        kind = name.split()[0]
        if kind in {"targets", "about", "revisions"}:
            continue
        row = next(r for r in csv_rows("releases.csv") if r["release"] == name.split()[1])
        assert f", published {published_words(row['published'])} · " in footer, name


# Money: three significant figures, $ m below $1 bn ("$523 m", "$5.11 bn", "$44.9 bn", "$1,135 bn").
_MONEY = re.compile(r"\$([\d,]+(?:\.(\d+))?) (m|bn)\b")


def money_problems(text_: str) -> list[str]:
    problems = []
    for match in _MONEY.finditer(text_):
        amount = float(match.group(1).replace(",", ""))
        decimals = len(match.group(2) or "")
        expected = 0 if amount >= 100 else 1 if amount >= 10 else 2
        if decimals != expected or (match.group(3) == "m" and amount >= 1000):
            problems.append(match.group(0))
        if match.group(3) == "bn" and amount < 1:
            problems.append(match.group(0))
    return problems


def test_every_sum_of_money_reads_the_same_way(
    snap: Snapshot, built: list[tuple[str, discord.Embed]]
) -> None:
    found = 0
    for name, embed in built:
        shown = embed_text(embed)
        found += len(_MONEY.findall(shown))
        assert money_problems(shown) == [], name
    # The summaries no longer list each ally's money (that is /gap's): fewer sums, same format.
    assert found > 500
    # The terminal renders use the same helper.
    for result in (
        analytics.summary(snap, release_id="2024-06", year=2024, target=5),
        analytics.profile(snap, "POL"),
        analytics.compare(snap, ["POL", "DEU", "MNE"]),
        analytics.gap(snap, "ESP", release_id="2024-06", year=2024),
    ):
        out = text.render(result)
        assert _MONEY.search(out) and money_problems(out) == []
    # Spending and GDP side by side in the same unit: no "$53,080 m" next to "$1,134.8 bn".
    profile = embeds.profile_embed(analytics.profile(snap, "POL", release_id="2026-07"))
    fields = {f.name: f.value or "" for f in profile.fields}
    assert fields["Spending"].endswith(" bn") and fields["GDP"].endswith(" bn")


# --------------------------------------------------------------------------- basis honesty


def test_every_gap_embed_is_coloured_by_its_verdict(snap: Snapshot) -> None:
    seen = set()
    for rid in snap.releases:
        for iso3 in snap.countries:
            for target in (2.0, 2.5, 3.5, 5.0):
                try:
                    result = analytics.gap(snap, iso3, release_id=rid, target=target)
                except NoFigures:
                    continue
                seen.add(result.verdict)
                colour = embeds.gap_embed(result).colour
                assert colour == embeds.VERDICT_COLOUR[result.verdict], (rid, iso3, target)
    assert seen == set(Verdict)


def test_no_reply_calls_an_aggregate_nato_total(built: list[tuple[str, discord.Embed]]) -> None:
    # In a core release "NATO total" reads as total spending.
    assert [name for name, embed in built if "NATO total" in embed_text(embed)] == []


def test_renderers_show_analytics_rounding_not_their_own(snap: Snapshot) -> None:
    """Renderers format the figures analytics decided: a rounded share or a sum in USD bn is
    never recomputed from the raw one."""
    profile = analytics.profile(snap, "POL", release_id="2024-06")
    series = tuple(p.model_copy(update={"share_rounded": 9.87}) for p in profile.series)
    figures = profile.figures.model_copy(update={"spend_usd_bn": 123.0})
    marked = profile.model_copy(update={"series": series, "figures": figures})
    out = text.render(marked)
    assert out.count("9.87") == len(series) and "$123 bn" in out
    embed = embeds.profile_embed(marked)
    fields = {f.name: f.value or "" for f in embed.fields}
    assert fields["Trend"].count("9.87") == 2 and fields["Spending"] == "$123 bn"
    summary = analytics.summary(snap, release_id="2024-06", year=2024)
    odd = summary.model_copy(update={"median_share_rounded": 9.87})
    assert "Median ally: 9.87% of GDP" in text.render(odd)


def test_ranking_pages_cover_every_row_once(snap: Snapshot) -> None:
    result = analytics.ranking(snap, metric=Metric.SHARE, release_id="2024-06", year=2024)
    pages = embeds.ranking_pages(result, per_page=10)
    assert len(pages) == 4  # 31 ranked allies
    body = "\n".join(p.description or "" for p in pages)
    for row in result.rows:
        assert body.count(f" {row.country.name} ") == 1
    assert all("page" not in (p.footer.text or "") for p in pages)
    assert all("Unit:" not in (p.description or "") for p in pages)
    assert any(f.name == "Not in this release" and f.value == "Iceland" for f in pages[-1].fields)


#: ", " between list items, not the one inside "(−0.72 pts, $11.9 bn)".
_OUTSIDE_BRACKETS = re.compile(r", (?![^()]*\))")


# --------------------------------------------------------------------------- charts


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_trend_chart_is_a_small_png_of_the_right_size(snap: Snapshot) -> None:
    png = charts.trend_chart(analytics.profile(snap, "POL"))
    assert png_size(png)[0] == charts.WIDTH_PX == 1600  # 2x a phone's 400 px (retina)
    assert len(png) < 300_000


def test_trend_chart_is_deterministic_and_reflects_estimates(snap: Snapshot) -> None:
    series = [
        SeriesPoint(
            year=2014 + i,
            share=float(cell("2024-06", "ESP", 2014 + i, "pct_gdp")),
            share_rounded=float(half_up(cell("2024-06", "ESP", 2014 + i, "pct_gdp"))),
            estimate=False,
        )
        for i in range(11)
    ]
    plain = charts.trend_chart(series, title="Spain", basis="total")
    assert charts.trend_chart(series, title="Spain", basis="total") == plain
    marked = [p.model_copy(update={"estimate": p.year >= 2023}) for p in series]
    assert charts.trend_chart(marked, title="Spain", basis="total") != plain


def test_trend_chart_without_any_share(snap: Snapshot) -> None:
    assert png_size(charts.trend_chart(analytics.profile(snap, "ISL")))[0] == charts.WIDTH_PX
    assert png_size(charts.trend_chart([], targets=(2.0, 3.5, 5.0)))[0] == charts.WIDTH_PX


def test_trend_charts_render_the_same_in_worker_threads(snap: Snapshot) -> None:
    profiles = [analytics.profile(snap, code) for code in ("POL", "DEU", "ESP", "USA")]
    sequential = [charts.trend_chart(p) for p in profiles]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(charts.trend_chart, profiles))
    assert threaded == sequential
    assert len(set(sequential)) == len(sequential)


def test_about_embed_reports_the_dataset(snap: Snapshot) -> None:
    embed = embeds.about_embed(snap, uptime_seconds=90061, latency_seconds=0.042, guild_count=7)
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Uptime"] == "1 day, 1:01:01"
    assert fields["Gateway latency"] == "42 ms"
    assert fields["Releases loaded"] == str(len(csv_rows("releases.csv")))
    newest = fields["Newest release"] or ""
    years = release_years(snap.newest_release.release_id)
    assert f"figures for {years[0]}–{years[-1]}" in newest
    assert "((" not in newest and "))" not in newest
    row = next(
        r for r in csv_rows("releases.csv") if r["release"] == snap.newest_release.release_id
    )
    assert f"published {published_words(row['published'])}" in newest
    assert snap.version.loaded_at < datetime.now(UTC)


def test_every_embed_stays_within_discord_limits(built: list[tuple[str, discord.Embed]]) -> None:
    assert len(built) > 1000
    problems = {name: p for name, embed in built if (p := embed_problems(embed))}
    assert problems == {}


@pytest.mark.parametrize(
    ("value_bn", "shown"),
    [
        (None, "–"),
        (0.0, "$0"),
        (0.0523, "$52.3 m"),
        (0.3372, "$337 m"),
        (0.9996, "$1.00 bn"),
        (5.114, "$5.11 bn"),
        (9.996, "$10.0 bn"),
        (44.86, "$44.9 bn"),
        (107.4, "$107 bn"),
        (1134.8, "$1,135 bn"),
        (0.0052, "$5.20 m"),
    ],
)
def test_one_money_format(value_bn: float | None, shown: str) -> None:
    assert wording.fmt_usd_bn(value_bn) == shown
    assert money_problems(shown) == []


def test_every_list_keeps_every_ally(snap: Snapshot) -> None:
    """Long lists are split across fields, never clipped: every ally of every list is shown,
    for every release, year and target, and the embed still passes Discord's limits."""
    longest = 0
    for rid in snap.releases:
        for year in snap.years(rid):
            for target in TARGETS:
                result = analytics.summary(snap, release_id=rid, year=year, target=target)
                embed = embeds.summary_embed(result)
                case = (rid, year, target)
                assert embed_problems(embed) == [], case
                assert "…" not in embed_text(embed), case
                groups = {
                    wording.meeting_label(result): [s.country.name for s in result.meeting],
                    wording.below_label(result): [s.country.name for s in result.below],
                    "Not published in this release": [c.name for c in result.not_published],
                }
                for label, names in groups.items():
                    # "Below 2% (8)", "Below 2% (cont.)": one or more fields per list.
                    values = [
                        f.value or ""
                        for f in embed.fields
                        if (f.name or "").startswith(f"{label} (")
                    ]
                    items = [i for v in values for i in _OUTSIDE_BRACKETS.split(v)]
                    items = items if names else []  # an empty list reads "none"
                    assert len(items) == len(names), (case, label)
                    for item, name in zip(items, names, strict=True):
                        shown = item.split(". ", 1)[-1]  # "12. Hungary 2.06": ranked lists
                        assert shown.startswith(name), (case, label, item, name)
                longest = max([longest, *(len(f.value or "") for f in embed.fields)])
            for metric in Metric:
                ranking = ranking_or_none(snap, metric, rid, year)
                if ranking is None:
                    continue
                pages = embeds.ranking_pages(ranking)
                body = "\n".join(embed_text(p) for p in pages)
                for row in ranking.rows:
                    assert f" {row.country.name} " in body, (rid, year, metric)
                for country in ranking.missing:
                    assert country.name in body, (rid, year, metric)
    assert longest <= embeds.FIELD_VALUE_LIMIT


def test_fit_clips_an_oversized_embed() -> None:
    embed = discord.Embed(title="t" * 300, description="d" * 5000)
    for i in range(30):
        embed.add_field(name=f"n{i}" * 200, value="v" * 2000)
    embed.set_footer(text="f" * 3000)
    assert len(embed_problems(embed)) >= 5
    fitted = embeds.fit(embed)
    assert embed_problems(fitted) == []
    assert len(fitted) <= embeds.TOTAL_LIMIT
    assert (fitted.title or "").endswith("…")


def test_fit_fills_empty_field_values() -> None:
    embed = discord.Embed(title="x")
    embed.add_field(name="empty", value="")
    assert embed_problems(embed) == ["embeds.0.fields.0.value: This field is required"]
    assert embed_problems(embeds.fit(embed)) == []


def test_chunked_fields_spill_over_instead_of_clipping() -> None:
    embed = discord.Embed(title="x")
    items = [f"Ally number {i} 1.23e" for i in range(120)]
    embeds.chunked_fields(embed, "Meeting", items)
    assert len(embed.fields) > 1
    assert embed.fields[1].name == "Meeting (cont.)"
    joined = ", ".join(f.value or "" for f in embed.fields)
    assert joined == ", ".join(items)
    assert embed_problems(embed) == []


# --------------------------------------------------------------------------- verdict wording

GRID_TARGETS = (2.0, 3.5, 5.0, 2.5, 4.2)
HEDGES = ("may still meet", "may fall short", "on core alone", "not known", "overdue", "deadline")


@pytest.fixture(scope="module")
def every_reply(snap: Snapshot) -> list[tuple[str, str]]:
    """Text and embed of every summary and gap for every release, year, ally and target, and
    every profile and comparison."""
    out: list[tuple[str, str]] = []
    for rid in snap.releases:
        years = snap.years(rid)
        for year in years:
            for target in GRID_TARGETS:
                result = analytics.summary(snap, release_id=rid, year=year, target=target)
                out.append((f"summary {rid} {year} {target}", text.render(result)))
                out.append((f"summary embed {rid} {year} {target}", _embed(result)))
                for code in snap.countries:
                    try:
                        gap = analytics.gap(snap, code, release_id=rid, year=year, target=target)
                    except NoFigures:
                        continue
                    out.append((f"gap {rid} {year} {code} {target}", text.render(gap)))
                    out.append(
                        (f"gap embed {rid} {year} {code}", embed_text(embeds.gap_embed(gap)))
                    )
            codes = list(snap.countries)
            for start in range(0, len(codes), 4):
                comparison = analytics.compare(
                    snap, codes[start : start + 4], release_id=rid, year=year
                )
                out.append((f"compare {rid} {year} {start}", text.render(comparison)))
                out.append(
                    (f"compare embed {rid} {year}", embed_text(embeds.compare_embed(comparison)))
                )
        for code in snap.countries:
            profile = analytics.profile(snap, code, release_id=rid)
            out.append((f"profile {rid} {code}", text.render(profile)))
            out.append((f"profile embed {rid} {code}", embed_text(embeds.profile_embed(profile))))
    return out


def _embed(result: analytics.ComplianceSummary) -> str:
    return embed_text(embeds.summary_embed(result))


def test_no_reply_shows_negative_zero_or_a_hedge(every_reply: list[tuple[str, str]]) -> None:
    assert len(every_reply) > 10000
    for name, shown in every_reply:
        assert "-0.00" not in shown and "−0.00" not in shown, name
        assert "+0.00" not in shown, name
        for hedge in HEDGES:
            assert hedge not in shown, (name, hedge)


def test_summary_2026_at_two_is_a_plain_count(snap: Snapshot) -> None:
    expected = list(verdicts("2026-07", 2026, "2").values())
    result = analytics.summary(snap, release_id="2026-07", year=2026, target=2)
    headline = f"{expected.count('meets')} of {len(expected)} published allies meet 2% in 2026"
    assert headline == "30 of 31 published allies meet 2% in 2026"
    for shown in (text.render(result), _embed(result)):
        assert headline in shown
        assert "core" not in shown.split(headline)[1].split("\n")[0]  # no hedge after the count


def test_summary_2025_counts_the_unpublished_and_says_press(snap: Snapshot) -> None:
    result = analytics.summary(snap, release_id="2025-08", year=2025, target=2)
    expected = list(verdicts("2025-08", 2025, "2").values())
    missing = len(not_published("2025-08", 2025))
    headline = (
        f"{expected.count('meets')} of {len(expected)} published allies meet 2% in 2025; "
        f"{missing} not published; Iceland not assessed"
    )
    assert missing == 6
    assert provenances("2025-08", 2025) >= {"press"}
    embed = embeds.summary_embed(result)
    assert headline in text.render(result) and headline in (embed.description or "")
    assert "2025 figures from press reports of the release" in (embed.footer.text or "")


def test_summary_2023_median(snap: Snapshot) -> None:
    result = analytics.summary(snap, release_id="2024-03", year=2023)
    median = median_text("2024-03", 2023)
    assert f"Median ally: {median}% of GDP" in text.render(result)
    assert str(median) == "1.74"
    assert f"median ally {median}" in _embed(result)


def test_five_percent_summary_groups_and_shortfall_label(snap: Snapshot) -> None:
    result = analytics.summary(snap, release_id="2026-07", year=2026, target=5)
    expected = list(verdicts("2026-07", 2026, "5").values())
    out = text.render(result)
    assert (
        f"{expected.count('meets')} of {len(expected)} published allies meet 5% in 2026; "
        f"{expected.count('open')} meet the 3.5% core element (the rest is not published); "
        f"{expected.count('below')} below 3.5% do not"
    ) in out
    assert "Combined shortfall to the 3.5% core element: " in out


def test_gap_slovenia_five_says_why_not(snap: Snapshot) -> None:
    result = analytics.gap(snap, "SVN", release_id="2026-07", year=2026, target=5)
    share = half_up(cell("2026-07", "SVN", 2026, "pct_gdp"))
    for shown in (text.render(result), embed_text(embeds.gap_embed(result))):
        assert f"Slovenia is at {share}% of GDP" in shown
        assert "it does not meet 5%, because its core defence spending is below the 3.5%" in shown
        assert f"{Decimal('3.5') - share} pts below 3.5%" in shown


def test_gap_spain_pace_and_reach_agree_on_screen(snap: Snapshot) -> None:
    out = text.render(analytics.gap(snap, "ESP", release_id="2024-06", year=2024, target=2))
    now = half_up(cell("2024-06", "ESP", 2024, "pct_gdp"))
    then = half_up(cell("2024-06", "ESP", 2021, "pct_gdp"))
    pace = ((now - then) / 3).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    gap = Decimal(2) - now
    reach = 2024 + int(-(-gap // pace))
    assert f"{gap} pts below 2%" in out
    assert (
        f"Its pace since 2021 ({then}) is +{pace} pts a year, which would reach 2% in {reach}"
        in out
    )
    assert "2% is a yearly commitment since 2024 (Vilnius 2023)" in out


def test_gap_wales_aim_years_are_an_aim(snap: Snapshot) -> None:
    out = text.render(analytics.gap(snap, "ESP", release_id="2024-06", year=2018, target=2))
    assert "In 2018 2% was an aim (Wales 2014: to move towards it within a decade)" in out
    assert "The same release shows Spain at" in out  # 2018 is not the release's latest year
    assert "would reach" not in out


def test_gap_later_years_instead_of_a_projection(snap: Snapshot) -> None:
    out = text.render(analytics.gap(snap, "ESP", release_id="2025-08", year=2024, target=2))
    later = half_up(cell("2025-08", "ESP", 2025, "pct_gdp"))
    assert f"The same release shows Spain at {later}e in 2025" in out
    assert "would reach" not in out


def test_gap_exactly_at_the_target(snap: Snapshot) -> None:
    result = analytics.gap(snap, "SVK", release_id="2024-06", year=2024, target=2)
    assert half_up(cell("2024-06", "SVK", 2024, "pct_gdp")) == Decimal("2.00")
    assert "exactly at 2%" in text.render(result)
    assert "At 2%" in embed_text(embeds.gap_embed(result))
    compare = analytics.compare(snap, ["SVK", "DNK"], release_id="2024-06", year=2024)
    assert "Slovakia vs 2%: meets (exactly at 2%)" in text.render(compare)


def test_gap_points_and_money_agree_at_2_005(snap: Snapshot) -> None:
    out = text.render(analytics.gap(snap, "SVK", release_id="2024-06", year=2024, target=2.005))
    points = Decimal("2.01") - half_up(cell("2024-06", "SVK", 2024, "pct_gdp"))
    money = float(points) / 100 * float(cell("2024-06", "SVK", 2024, "gdp_usd_bn"))
    assert f"{points} pts below 2.01%, about {wording.fmt_usd_bn(money)} a year" in out


def test_slow_paces_and_the_2050_limit() -> None:
    slow = _one_ally({2021: 1.00, 2024: 1.03})
    out = text.render(analytics.gap(slow, "POL", target=2))
    assert "+0.01 pts a year: not before 2050 at this pace" in out
    tiny = _one_ally({2021: 1.99, 2024: 2.0})
    out = text.render(analytics.gap(tiny, "POL", target=2.02))
    assert "is less than 0.01 pts a year" in out
    assert "needs less than 0.01 pts a year" in out or "needs +" in out


def test_every_figure_of_an_estimate_year_is_marked(snap: Snapshot) -> None:
    # Marked one by one, every figure of an estimate year carries the mark ...
    assert cell("2024-06", "POL", 2024, "estimate") == "true"
    figures = analytics.profile(snap, "POL", release_id="2024-06").figures
    rows = dict(wording.figures_rows(figures))
    for label in ("% of GDP", "Spending", "GDP", "Equipment", "Personnel", "Real change"):
        value = rows[label].split(" (")[0]  # before "(meets 20%)"
        assert value == wording.MISSING or value.endswith("e"), label
    # ... and when every figure shown is one, it is said once instead.
    compare = text.render(analytics.compare(snap, ["POL", "ESP"], release_id="2024-06", year=2024))
    assert "All 2024 figures are NATO estimates" in compare
    assert "4.12e" not in compare and "4.12" in compare
    profile = analytics.profile(snap, "NLD", release_id="2026-07")
    assert cell("2026-07", "NLD", profile.year, "estimate") == "true"
    out = text.render(profile)
    assert f"All {profile.year} figures are NATO estimates" in out
    assert "e = NATO estimate" not in out


def test_lithuania_footnote_and_covers_only(snap: Snapshot) -> None:
    out = text.render(analytics.summary(snap, release_id="2024-06", year=2018))
    assert "Lithuania met 2% in 2018 and 2021 on the OECD GDP figures of the time" in out
    assert "Lithuania met" not in text.render(
        analytics.summary(snap, release_id="2024-06", year=2019)
    )


def test_revisions_poland_every_release_and_the_change(snap: Snapshot) -> None:
    result = analytics.revisions(snap, "POL", year=2024)
    for shown in (text.render(result), embed_text(embeds.revisions_embed(result))):
        for rid in release_ids():
            value = cell(rid, "POL", 2024, "pct_gdp")
            if value:
                assert f"{half_up(value)}" in shown, rid
        assert "2025-08 → 2026-07: 3.79 → 3.75, −0.04 pts" in shown
        assert shown.count("the same agreed definition") == 1


def test_targets_text_reads_the_registry() -> None:
    from bot.analytics import targets as registry

    out = text.render_targets(())
    for goal in (*registry.GDP_TARGETS, registry.EQUIPMENT):
        assert goal.name in out and goal.agreed in out
    assert "aim to move towards within a decade (2014-2023)" in out
    assert "below 3.5% does not meet it" in out
    assert f"{registry.MIN_TARGET:g} to {registry.MAX_TARGET:g}%" in out


def _one_ally(by_year: dict[int, float]) -> Snapshot:
    from bot.models import Country, Dataset, Release, SpendingRecord

    poland = Country(iso3="POL", name="Poland", joined="1999")
    release = Release(release_id="2024-06", title="Release", published="2024-06", basis="total")
    records = tuple(
        SpendingRecord(release_id="2024-06", iso3="POL", year=y, pct_gdp=s, gdp_usd_bn=800.0)
        for y, s in by_year.items()
    )
    dataset = Dataset(members=(poland,), releases=(release,), records=records)
    return snapshot_of(dataset, {"poland": "POL"})


def test_revisions_footer_says_which_releases_are_not_natos_table(snap: Snapshot) -> None:
    result = analytics.revisions(snap, "POL", year=2024)
    footer = embeds.revisions_embed(result).footer.text or ""
    for rid in release_ids():
        provenance = cell(rid, "POL", 2024, "provenance")
        if provenance == "press" and cell(rid, "POL", 2024, "pct_gdp"):
            assert f"From press reports of the release: {rid}" in footer
    assert "2026-07" in footer.split("third-party extraction of NATO's table: ")[1]


# --------------------------------------------------------------------------- short replies


def test_standard_target_summaries_fit_without_continuation_fields(snap: Snapshot) -> None:
    """2%, 3.5% and 5% for every release and year: within Discord's limits as the fake checks
    them, with no "(cont.)" field, and no ally's money (that is /gap's)."""
    cases = 0
    for rid in snap.releases:
        for year in snap.years(rid):
            for target in (2.0, 3.5, 5.0):
                result = analytics.summary(snap, release_id=rid, year=year, target=target)
                embed = embeds.summary_embed(result)
                case = (rid, year, target)
                assert embed_problems(embed) == [], case
                assert not [f.name for f in embed.fields if "(cont.)" in (f.name or "")], case
                assert " pts, $" not in embed_text(embed), case
                assert f"NATO {rid} · " in (embed.description or ""), case
                cases += 1
    assert cases > 30


def test_summary_says_what_changed_since_the_year_before(snap: Snapshot) -> None:
    result = analytics.summary(snap, release_id="2024-06", year=2024, target=2)
    assert result.previous is not None
    # The oracle: allies below 2% in 2023 and at or above it in 2024, from the release file.
    before, now = verdicts("2024-06", 2023, "2"), verdicts("2024-06", 2024, "2")
    expected = sorted(
        snap.countries[iso3].name
        for iso3, verdict in now.items()
        if iso3 in before and before[iso3] == "below" and verdict != "below"
    )
    assert [c.name for c in result.previous.newly_clear] == expected
    assert "Poland" not in expected and len(expected) >= 5
    fields = {f.name: f.value or "" for f in embeds.summary_embed(result).fields}
    assert fields["Since 2023"].startswith(f"Newly meeting 2%: {', '.join(expected)}\n")
    assert "Newly below 2%: " in fields["Since 2023"]


def test_rankings_and_comparisons_fit_without_continuation_fields(snap: Snapshot) -> None:
    """Every ranking page (both orders, a line at each standard target) and a comparison with
    NATO's aggregates, for every release and year: within the limits, no "(cont.)" field."""
    sent: list[tuple[object, discord.Embed]] = []
    for rid in snap.releases:
        for year in snap.years(rid):
            for target in (2.0, 3.5, 5.0):
                for order in analytics.Order:
                    result = analytics.ranking(
                        snap, release_id=rid, year=year, order=order, target=target
                    )
                    pages = embeds.ranking_pages(result)
                    marker = wording.target_marker(target)
                    assert sum((p.description or "").count(marker) for p in pages) == 1
                    sent += [((rid, year, target, order), p) for p in pages]
                codes = ["POL", "DEU", "FRA", "NATO_TOTAL", "NATO_EUR_CAN"]
                comparison = analytics.compare(
                    snap, codes, release_id=rid, year=year, target=target
                )
                sent.append(((rid, year, target, "compare"), embeds.compare_embed(comparison)))
    for case, embed in sent:
        assert embed_problems(embed) == [], case
        assert not [f.name for f in embed.fields if "(cont.)" in (f.name or "")], case
