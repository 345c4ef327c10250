"""Renderers: terminal text, Discord embeds (within Discord's limits) and PNG trend charts."""

from __future__ import annotations

import struct
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import discord
import pytest

from bot import analytics
from bot.analytics import Metric, NoFigures, SeriesPoint
from bot.models import Snapshot
from bot.render import charts, embeds, text
from tests.test_analytics import bundled_snapshot, cell, csv_rows, release_years

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def snap() -> Snapshot:
    return bundled_snapshot()


def footer_for(release_id: str, year: int) -> str:
    row = next(r for r in csv_rows("releases.csv") if r["release"] == release_id)
    return f"Source: NATO, {row['title']} ({row['published']}) · figures for {year}"


# --------------------------------------------------------------------------- text


def test_text_summary_names_release_basis_marks_and_source(snap: Snapshot) -> None:
    out = text.render(analytics.summary(snap, release_id="2024-06", year=2024, target=2))
    assert "Release 2024-06" in out and "total defence expenditure" in out
    assert footer_for("2024-06", 2024) in out
    assert "e = NATO estimate" in out
    assert "Spain       1.28e" in out  # a table row, with its estimate mark
    assert "Iceland" in out
    assert "23 of 31 assessed allies meet 2% in 2024" in out


def test_text_gap_spain(snap: Snapshot) -> None:
    out = text.render(analytics.gap(snap, "ESP", release_id="2024-06", year=2024, target=2))
    assert "0.72 pts below 2%" in out
    assert "$11.94 bn" in out
    assert "2033" in out  # the year its 2021-24 pace reaches 2%


def test_text_gap_to_five_carries_the_defence_related_caveat(snap: Snapshot) -> None:
    out = text.render(analytics.gap(snap, "ESP", release_id="2025-08", year=2024, target=5))
    assert "1.5% defence-related" in out
    assert "cannot be put in dollars" in out


def test_text_ranking_lists_every_ally(snap: Snapshot) -> None:
    result = analytics.ranking(snap, metric=Metric.SHARE, release_id="2026-07", year=2026)
    out = text.render(result)
    for row in csv_rows("members.csv"):
        assert row["name"] in out
    assert "core defence expenditure" in out


def test_text_revisions_show_every_release(snap: Snapshot) -> None:
    out = text.render(analytics.revisions(snap, "POL", year=2024))
    for rid, share in [
        ("2024-06", "4.12e"),
        ("2025-04", "4.07e"),
        ("2025-08", "3.79e"),
        ("2026-07", "3.75"),
    ]:
        assert rid in out and share in out
    assert "releases 2024-06 to 2026-07 · figures for 2024" in out


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


def every_embed(snap: Snapshot) -> list[tuple[str, discord.Embed]]:
    """An embed of every kind for every release, year, metric and target the data has."""
    out: list[tuple[str, discord.Embed]] = []
    for rid in snap.releases:
        years = snap.years(rid)
        for year in years:
            for target in (0.5, 2.0, 3.5, 5.0, 10.0):
                result = analytics.summary(snap, release_id=rid, year=year, target=target)
                out.append((f"summary {rid} {year} {target}", embeds.summary_embed(result)))
            for metric in Metric:
                ranking = analytics.ranking(snap, metric=metric, release_id=rid, year=year)
                for page in embeds.ranking_pages(ranking):
                    out.append((f"ranking {rid} {year} {metric}", page))
                out.append((f"ranking1 {rid} {year} {metric}", embeds.ranking_embed(ranking)))
        for country in snap.countries.values():
            out.append(
                (
                    f"profile {rid} {country.iso3}",
                    embeds.profile_embed(analytics.profile(snap, country.iso3, release_id=rid)),
                )
            )
            for target in (2.0, 5.0):
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


def test_every_embed_stays_within_discord_limits(snap: Snapshot) -> None:
    built = every_embed(snap)
    assert len(built) > 1000
    problems = {name: p for name, embed in built if (p := embeds.limit_problems(embed))}
    assert problems == {}


def test_every_result_embed_cites_release_basis_and_year(snap: Snapshot) -> None:
    for name, embed in every_embed(snap):
        kind = name.split()[0]
        if kind in {"targets", "about", "revisions"}:
            continue
        rid = name.split()[1]
        footer = embed.footer.text or ""
        assert footer.startswith("Source: NATO, "), name
        assert "e = NATO estimate" in footer, name
        assert f"Release {rid}: " in (embed.description or ""), name
        basis = snap.releases[rid].basis
        assert f"{basis} defence expenditure" in (embed.description or ""), name


def test_summary_embed_footer_is_exact(snap: Snapshot) -> None:
    embed = embeds.summary_embed(analytics.summary(snap, release_id="2024-06", year=2024))
    assert (embed.footer.text or "").splitlines()[0] == footer_for("2024-06", 2024)
    values = " ".join(f.value or "" for f in embed.fields)
    assert "Spain 1.28e (−0.72, $11.94 bn)" in values
    assert "Iceland (no armed forces)" in values


def test_ranking_pages_cover_every_row_once(snap: Snapshot) -> None:
    result = analytics.ranking(snap, metric=Metric.SHARE, release_id="2024-06", year=2024)
    pages = embeds.ranking_pages(result, per_page=10)
    assert len(pages) == 4  # 31 ranked allies
    body = "\n".join(p.description or "" for p in pages)
    for row in result.rows:
        assert body.count(f" {row.country.name} ") == 1
    assert "page 4/4" in (pages[-1].footer.text or "")
    assert any(f.name == "Not published" and f.value == "Iceland" for f in pages[-1].fields)


def test_revisions_embed_cites_the_span_of_releases(snap: Snapshot) -> None:
    embed = embeds.revisions_embed(analytics.revisions(snap, "POL", year=2024))
    assert "releases 2024-06 to 2026-07 · figures for 2024" in (embed.footer.text or "")
    assert "core" in (embed.description or "")


def test_targets_embed_explains_each_target_and_basis(snap: Snapshot) -> None:
    embed = embeds.targets_embed(snap)
    description = embed.description or ""
    for phrase in ("2% of GDP", "3.5% of GDP", "5% of GDP", "20% of defence expenditure"):
        assert phrase in description
    assert "no per-ally figure for the 1.5%" in description
    releases = " ".join(f.value or "" for f in embed.fields)
    for rid, release in snap.releases.items():
        assert f"**{rid}**" in releases and release.basis in releases
    # The releases alone (no snapshot) work too.
    assert embeds.targets_embed(snap.releases.values()).to_dict() == embed.to_dict()


def test_fit_clips_an_oversized_embed() -> None:
    embed = discord.Embed(title="t" * 300, description="d" * 5000)
    for i in range(30):
        embed.add_field(name=f"n{i}" * 200, value="v" * 2000)
    embed.set_footer(text="f" * 3000)
    assert len(embeds.limit_problems(embed)) >= 5
    fitted = embeds.fit(embed)
    assert embeds.limit_problems(fitted) == []
    assert len(fitted) <= embeds.TOTAL_LIMIT
    assert (fitted.title or "").endswith("…")


def test_fit_fills_empty_field_values() -> None:
    embed = discord.Embed(title="x")
    embed.add_field(name="empty", value="")
    assert embeds.limit_problems(embed) == ["field 0 value length 0"]
    assert embeds.limit_problems(embeds.fit(embed)) == []


def test_chunked_fields_spill_over_instead_of_clipping() -> None:
    embed = discord.Embed(title="x")
    items = [f"Ally number {i} 1.23e" for i in range(120)]
    embeds.chunked_fields(embed, "Meeting", items)
    assert len(embed.fields) > 1
    assert embed.fields[1].name == "Meeting (cont.)"
    joined = ", ".join(f.value or "" for f in embed.fields)
    assert joined == ", ".join(items)
    assert embeds.limit_problems(embed) == []


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
            year=2014 + i, share=float(cell("2024-06", "ESP", 2014 + i, "pct_gdp")), estimate=False
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
    assert str(release_years(snap.newest_release.release_id)[-1]) in (
        fields["Newest release"] or ""
    )
    assert snap.version.loaded_at < datetime.now(UTC)
