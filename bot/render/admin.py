"""What `/admin` and `natobot data` both show, worded once: a change's title, the outcome
("Version N is active"), the history table, a bad file's problems, and the status.

The lines are shared; the Discord half (embeds, a problems.txt attachment) only wraps them, so
the terminal and Discord say the same thing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import discord

from bot.models import Country, DatasetVersion
from bot.render.embeds import NATO_BLUE, fit

#: Versions /admin history lists.
HISTORY_SHOWN = 20
#: Problems listed in a Discord reply itself; a longer list comes as an attached text file.
PROBLEMS_INLINE = 15
#: Room left in a 2,000-character message for the problems listed inline.
_INLINE_CHARS = 1700


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'s' if count != 1 else ''}"


def mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB"


def ally_names(countries: Iterable[Country]) -> dict[str, str]:
    """iso3 -> name, for a diff's lines (later countries win)."""
    return {c.iso3: c.name for c in countries}


# --- a change: its title and its outcome --------------------------------------------------------


def change_title(*, source: str, active: int, rollback_to: int | None = None, dry_run: bool) -> str:
    """What a load or a rollback does, against the active version; "Dry run: …" while it is
    one (nothing written yet)."""
    if rollback_to is not None:
        what = f"roll back from version {active} to {rollback_to}"
    else:
        what = f"load {source} (active: version {active})"
    return f"Dry run: {what}" if dry_run else what[:1].upper() + what[1:]


def plan_footer(sha256: str, figures: int) -> str:
    return f"sha256 {sha256[:12]} · {figures:,} figures"


def activated(version: DatasetVersion) -> str:
    """The outcome of a confirmed change."""
    return (
        f"Version {version.version_id} is active: {version.record_count:,} figures from "
        f"{version.source} (sha256 {version.sha256[:12]})."
    )


NOTHING_TO_DO = "Nothing to do: nothing was changed."
CANCELLED = "Cancelled: nothing was changed."
UNTIL_CONFIRMED = "Nothing changes until you press Confirm."
EXPIRED = "Nobody pressed Confirm in time: nothing was changed."


# --- who made a version -------------------------------------------------------------------------

_DISCORD_ACTOR = re.compile(r"discord:(?P<id>\d+) \((?P<name>.*)\)")


def discord_actor(user_id: int, name: str) -> str:
    """How the audit log and a version's loaded_by name a Discord user (``who`` reads it)."""
    return f"discord:{user_id} ({name})"


def who(loaded_by: str) -> str:
    """A version's maker for people: a Discord user by name, with the id."""
    found = _DISCORD_ACTOR.fullmatch(loaded_by)
    if found is None:
        return loaded_by  # "seed", "cli:alice"
    return f"{found['name']} (Discord id {found['id']})"


# --- history ------------------------------------------------------------------------------------


def history_lines(versions: Sequence[DatasetVersion], *, sha_width: int = 12) -> list[str]:
    """The versions as a fixed-width table, header first."""
    lines = [
        f"{'version':>7}  active  {'loaded (UTC)':19}  figures  {'sha256':{sha_width}}  by / source"
    ]
    for v in versions:
        loaded = v.loaded_at.strftime("%Y-%m-%d %H:%M:%S")
        lines.append(
            f"{v.version_id:>7}  {'yes' if v.active else '':6}  {loaded:19}  "
            f"{v.record_count:>7}  {v.sha256[:sha_width]}  {who(v.loaded_by)} / {v.source}"
        )
    return lines


def history_embed(versions: Sequence[DatasetVersion], shown: int = HISTORY_SHOWN) -> discord.Embed:
    embed = discord.Embed(
        title="Dataset versions",
        description="```\n" + "\n".join(history_lines(versions[:shown])) + "\n```",
        colour=NATO_BLUE,
    )
    if (more := len(versions) - shown) > 0:
        embed.set_footer(text=f"{_plural(more, 'older version')} not shown")
    return fit(embed)


# --- a bad file's problems ------------------------------------------------------------------------


def problem_lines(problems: Sequence[object], total: int, shown: int) -> list[str]:
    """The first ``shown`` problems, one a line, then how many more there are."""
    lines = [str(p) for p in problems[:shown]]
    if (rest := total - len(lines)) > 0:
        lines.append(f"… and {_plural(rest, 'more problem')}")
    return lines


def problems_in(total: int, where: str) -> str:
    return f"{_plural(total, 'problem')} in {where}"


@dataclass(frozen=True, slots=True)
class ProblemsReply:
    """A bad file's problems for Discord: the message, and every kept problem as a file when
    they do not fit in it."""

    content: str
    attachment: str | None = None

    def file(self) -> discord.File | None:
        if self.attachment is None:
            return None
        data = io.BytesIO(self.attachment.encode("utf-8"))
        return discord.File(data, filename="problems.txt")


def problems_reply(headline: str, problems: Sequence[object], total: int) -> ProblemsReply:
    """Every problem: listed in the message when they fit, else the first few and a .txt file."""
    lines = problem_lines(problems, total, len(problems))
    head = f"**{headline}**"
    inline = "\n".join(lines)
    if len(lines) <= PROBLEMS_INLINE and len(inline) <= _INLINE_CHARS:
        return ProblemsReply(f"{head}\n```\n{inline}\n```")
    shown = "\n".join(lines[:PROBLEMS_INLINE])[:_INLINE_CHARS]
    return ProblemsReply(
        f"{head} The first of them, and all in problems.txt:\n```\n{shown}\n```", inline + "\n"
    )


# --- status -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Status:
    """What /admin status reports, gathered by the front end."""

    database: str  # the file's name
    size_bytes: int
    versions: int
    active_version: int
    servers: int
    subscriptions: int
    latencies: Sequence[tuple[int, float]]  # (shard, seconds)
    uptime_seconds: float
    rss_bytes: int
    audit_entries: int
    reloading: bool


def status_fields(status: Status) -> list[tuple[str, str]]:
    latencies = ", ".join(
        f"#{shard}: {latency * 1000:.0f} ms" for shard, latency in status.latencies
    )
    return [
        ("Database", f"{mib(status.size_bytes)} · {status.database}"),
        ("Dataset versions", f"{status.versions} (version {status.active_version} active)"),
        ("Servers", str(status.servers)),
        ("Subscriptions", str(status.subscriptions)),
        ("Shard latencies", latencies or "not connected"),
        ("Uptime", str(timedelta(seconds=int(status.uptime_seconds)))),
        ("Memory (RSS)", mib(status.rss_bytes)),
        ("Audit entries", str(status.audit_entries)),
        ("Reload", "running" if status.reloading else "idle"),
    ]


def status_embed(status: Status) -> discord.Embed:
    embed = discord.Embed(title="Status", colour=NATO_BLUE)
    for name, value in status_fields(status):
        embed.add_field(name=name, value=value)
    return fit(embed)
