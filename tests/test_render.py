"""Renderers: terminal text, Discord embeds (within Discord's limits) and PNG trend charts."""

from __future__ import annotations

import re
import struct
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import discord
import pytest

from bot import analytics
from bot.analytics import Metric, NoFigures, SeriesPoint, Verdict
from bot.models import Snapshot
from bot.render import charts, embeds, text, wording
from tests.support.discord_text import embed_text
from tests.support.limits import embed_problems
from tests.support.oracle import cell, csv_rows, half_up, release_years
from tests.support.png import PNG_SIGNATURE
from tests.support.snapshots import bundled_snapshot


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
                ranking = analytics.ranking(snap, metric=metric, release_id=rid, year=year)
                for page in embeds.ranking_pages(ranking):
                    out.append((f"ranking {rid} {year} {metric}", page))
                # One page for all: the longest a ranking embed gets.
                for page in embeds.ranking_pages(ranking, per_page=len(snap.countries)):
                    out.append((f"ranking1 {rid} {year} {metric}", page))
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
        assert f"Release {rid}: " in (embed.description or ""), name
        # What the release calls the measure, once, and no hedge about it.
        measure = {"total": "defence expenditure", "core": "core defence expenditure"}
        assert f"Release {rid}: {measure[snap.releases[rid].basis]}" in (embed.description or "")
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
    assert found > 1000
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
    assert png_size(png) == (800, 450)
    assert len(png) < 200_000


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
    assert png_size(charts.trend_chart(analytics.profile(snap, "ISL"))) == (800, 450)
    assert png_size(charts.trend_chart([], targets=(2.0, 3.5, 5.0))) == (800, 450)


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
                ranking = analytics.ranking(snap, metric=metric, release_id=rid, year=year)
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
