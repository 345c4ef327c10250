"""The /updates renderers: every post and notice within Discord's limits, citing its source."""

from __future__ import annotations

import datetime as dt
from functools import cache

import discord
import pytest

from bot.analytics import dataset_diff
from bot.models import Dataset
from bot.render import updates as render
from bot.schedule import Schedule, build_schedule
from bot.subscriptions import Content, State, Subscription
from db.loader import load_bundled
from tests.support.limits import embed_problems
from tests.support.snapshots import bundled_snapshot

UTC = dt.UTC
NOW = dt.datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


@cache
def bundled() -> Dataset:
    return load_bundled()


def subscription(
    content: Content = Content.SUMMARY,
    schedule: Schedule | None = None,
    **update: object,
) -> Subscription:
    schedule = schedule or build_schedule("weekly", weekday="friday", time="18:30")
    base = Subscription(
        id=3,
        guild_id=1,
        channel_id=42,
        schedule=schedule,
        target=None,
        content=content,
        created_by=7,
        created_at=NOW,
        next_run_at=dt.datetime(2026, 7, 3, 18, 30, tzinfo=UTC) if schedule.is_timed else None,
        pending_run_at=None,
        pending_version_id=None,
        pending_since=None,
        last_run_at=None,
        last_posted_at=None,
        last_message_id=None,
        last_notified_version_id=None,
        state=State.ACTIVE,
        paused_reason=None,
    )
    return base.model_copy(update=update)


@pytest.mark.parametrize("content", list(Content))
@pytest.mark.parametrize("target", [2.0, 3.5, 5.0, 0.5, 10.0])
def test_every_scheduled_post_fits_and_cites_its_source(content: Content, target: float) -> None:
    embed = render.scheduled_post(bundled_snapshot(), subscription(content), target)
    assert embed_problems(embed) == []
    assert embed.footer.text is not None and embed.footer.text.startswith("Source: NATO, ")
    assert "figures for 2026" in embed.footer.text
    assert embed.author.name == "Scheduled post #3 · weekly on Friday at 18:30 UTC"


def embed_lines(embed: discord.Embed) -> int:
    """The lines a reader sees: title, description, each field's name and value, footer."""
    texts = [embed.title or "", embed.description or "", embed.footer.text or ""]
    texts += [part for f in embed.fields for part in (f.name or "", f.value or "")]
    return sum(len(text.splitlines()) for text in texts)


@pytest.mark.parametrize("target", [2.0, 3.5, 5.0, 10.0])
def test_the_gaps_post_is_short_the_largest_gaps_the_total_and_a_pointer(target: float) -> None:
    embed = render.scheduled_post(bundled_snapshot(), subscription(Content.GAPS), target)
    assert embed_lines(embed) <= 15
    assert not any("(cont.)" in (f.name or "") for f in embed.fields)
    largest = next(f for f in embed.fields if (f.name or "").startswith("Largest gaps to"))
    lines = (largest.value or "").splitlines()
    assert 1 <= len(lines) <= render.GAPS_POST_ALLIES
    assert all(": −" in line and " pts" in line for line in lines)
    gaps = [float(line.split(": −")[1].split(" pts")[0]) for line in lines]
    assert gaps == sorted(gaps, reverse=True)  # the largest first
    total = embed.fields[-1]
    assert (total.name or "").startswith("Combined shortfall")
    assert " a year (" in (total.value or "") and "`/gap`" in (total.value or "")


def test_the_gaps_post_when_nobody_is_below() -> None:
    nobody = render.scheduled_post(bundled_snapshot(), subscription(Content.GAPS), 0.5)
    assert nobody.title == "Below 0.5% in 2026"
    assert "None: every assessed ally meets 0.5%" in (nobody.fields[0].value or "")


def test_a_notice_of_a_new_release_names_crossings_revisions_and_years() -> None:
    new = bundled()
    newest = "2026-07"
    old = new.model_copy(
        update={
            "releases": tuple(r for r in new.releases if r.release_id != newest),
            "records": tuple(r for r in new.records if r.release_id != newest),
        }
    )
    diff = dataset_diff.diff(old, new, targets=(2.0,))
    embed = render.notice_embed(diff, new, old, target=2.0, subscription=subscription())
    assert embed_problems(embed) == []
    assert embed.title == render.NOTICE_TITLE
    assert embed.description is not None
    assert f"New release **{newest}**" in embed.description
    assert "Figures now reach 2026." in embed.description
    names = [f.name or "" for f in embed.fields]
    assert any(n.startswith("Largest revisions of the share of GDP") for n in names)
    assert embed.footer.text is not None and embed.footer.text.startswith("Source: NATO, ")
    for crossing in diff.crossings:
        line = render.crossing_line(crossing, {c.iso3: c for c in new.members})
        assert ("now meets 2%" in line) == (crossing.direction is dataset_diff.Direction.UP)


def test_the_list_shows_each_state() -> None:
    paused = subscription(state=State.PAUSED, paused_reason="the bot may not post in <#42>")
    pending = subscription(
        Content.RANKING,
        build_schedule("on-new-data"),
        id=4,
        pending_version_id=2,
        pending_since=NOW,
        last_posted_at=NOW,
    )
    embed = render.subscriptions_embed([paused, pending], default_target=2.0, limit=10)
    assert embed_problems(embed) == []
    first, second = (f.value or "" for f in embed.fields)
    assert "⏸ paused: the bot may not post in <#42>" in first
    assert "Next run" not in first
    assert "target the server's (2% now)" in first
    assert "when NATO figures change" in second
    assert "being delivered" in second
    assert f"Last post: <t:{int(NOW.timestamp())}:F>" in second
    empty = render.subscriptions_embed([], default_target=2.0, limit=10)
    assert "/updates subscribe" in (empty.description or "")


def test_a_notice_of_a_corrected_release_is_titled_a_correction() -> None:
    """The operator reloads the active release with one figure corrected: same release id."""
    old = bundled()
    newest = max(r.release_id for r in old.releases)
    fixed = next(r for r in old.records if r.release_id == newest and r.pct_gdp is not None)
    corrected = fixed.model_copy(update={"pct_gdp": (fixed.pct_gdp or 0) + 0.5})
    new = old.model_copy(
        update={"records": tuple(corrected if r is fixed else r for r in old.records)}
    )
    diff = dataset_diff.diff(old, new, targets=(2.0,))
    assert not diff.releases_added and diff.figures_changed
    embed = render.notice_embed(diff, new, old, target=2.0, subscription=subscription())
    assert embed.title == render.CORRECTION_TITLE == "Corrected NATO defence-spending figures"
    assert embed_problems(embed) == []


def test_a_notice_lists_at_most_a_field_of_crossings_and_counts_the_rest() -> None:
    new = bundled()
    newest = max(r.release_id for r in new.releases)
    lifted = tuple(  # every ally-year below 2% in the newest release lifted to 2.50
        r.model_copy(update={"pct_gdp": 2.5})
        if r.release_id == newest and r.pct_gdp is not None and r.pct_gdp < 2
        else r
        for r in new.records
    )
    old = new.model_copy(update={"records": lifted})
    diff = dataset_diff.diff(old, new, targets=(2.0,))
    assert len(diff.crossings) > render.NOTICE_CROSSINGS
    embed = render.notice_embed(diff, new, old, target=2.0, subscription=subscription())
    assert embed_problems(embed) == []
    [field] = [f for f in embed.fields if (f.name or "").startswith("Crossed 2%")]
    assert field.name == f"Crossed 2% ({len(diff.crossings)})"
    lines = (field.value or "").splitlines()
    assert len(lines) == render.NOTICE_CROSSINGS + 1
    assert lines[-1] == f"… and {len(diff.crossings) - render.NOTICE_CROSSINGS} more"
    assert all(line.startswith("❌ ") and " is now below 2%: " in line for line in lines[:-1])
