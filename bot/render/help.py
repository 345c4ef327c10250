"""/help and the welcome message: every command with an example, and the questions people ask.

The commands come from the command tree (so a new option shows up by itself); the examples and
answers are written here, in the words of ``bot.render.wording``. Answers that depend on the
data (the newest release, who has no armed forces, which releases hold press figures) are read
from the snapshot, never written in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import discord

from bot.analytics import targets as registry
from bot.models import Provenance, Snapshot
from bot.render import wording
from bot.render.embeds import DESCRIPTION_LIMIT, NATO_BLUE, TOTAL_LIMIT, fit

#: Discord's limit on embeds in one message.
EMBEDS_PER_MESSAGE = 10

HELP_TITLE = "How to use this bot"
FAQ_TITLE = "Questions people ask"
WELCOME_TITLE = "Thanks for adding me"
OPTIONAL_NOTE = (
    "Options in [brackets] are optional. Without them a reply uses the newest release, its "
    "latest year and this server's default target. Type a command's name after / to see its "
    "options; countries, releases and years autocomplete."
)
EXPORT_NOTE = (
    "Replies of /summary, /ranking, /compare and /revisions carry an **Export CSV** button: it "
    "sends you the table as a file, privately."
)

#: Per command (its qualified name), an example and what it answers. Every command in the tree
#: needs one (a test checks); each example uses only the command's own options.
EXAMPLES: dict[str, tuple[str, str]] = {
    "summary": ("/summary target:3.5", "who meets the Hague 3.5% core target"),
    "ranking": ("/ranking metric:spending year:2024", "allies by defence spending in dollars"),
    "gap": (
        "/gap country:Spain target:2",
        "how far Spain is from 2%, and when its pace gets there",
    ),
    "country": ("/country country:Poland", "Poland's profile with its trend chart"),
    "compare": (
        "/compare countries:pl, de, fr target:3.5",
        "three allies side by side, against 3.5%",
    ),
    "revisions": (
        "/revisions country:Poland year:2024",
        "Poland's 2024 share as each NATO release published it",
    ),
    "targets": ("/targets", "what 2%, 3.5%, 5% and 20% mean, and each release's measure"),
    "about": ("/about", "the data loaded and the bot's health"),
    "settings target": (
        "/settings target value:3.5",
        "make 3.5% this server's default target (empty value: back to the bot's default)",
    ),
    "settings show": ("/settings show", "this server's settings"),
    "updates subscribe": (
        "/updates subscribe channel:#defence cadence:weekly weekday:Monday",
        "post a summary in #defence every Monday, 09:00 UTC",
    ),
    "updates list": ("/updates list", "this server's scheduled posts, by number"),
    "updates preview": ("/updates preview id:1", "see post 1 now (only you see it)"),
    "updates pause": ("/updates pause id:1", "stop post 1 for now"),
    "updates resume": ("/updates resume id:1", "start post 1 again"),
    "updates unsubscribe": ("/updates unsubscribe id:1", "remove post 1"),
    "admin reload": (
        "/admin reload source:bundled",
        "check the bundled data against what is loaded, then confirm",
    ),
    "admin rollback": ("/admin rollback", "go back to the dataset version the current replaced"),
    "admin history": ("/admin history", "dataset versions, newest first"),
    "admin status": ("/admin status", "the database, servers and health"),
    "admin sync": ("/admin sync", "re-sync the slash commands now"),
    "help": ("/help", "this page"),
}


@dataclass(frozen=True, slots=True)
class CommandHelp:
    """One slash command as its help shows it (read from the command tree)."""

    #: Qualified name: "summary", "settings target".
    name: str
    description: str
    #: (option name, required), in Discord's order.
    options: tuple[tuple[str, bool], ...] = ()
    #: The permission Discord asks of members by default ("Manage Server"), if any.
    permission: str | None = None

    @property
    def signature(self) -> str:
        """'/gap country [target] [year] [release]'."""
        shown = [name if required else f"[{name}]" for name, required in self.options]
        return " ".join([f"/{self.name}", *shown])


def in_help_order(commands: Sequence[CommandHelp]) -> list[CommandHelp]:
    """The questions first, settings and help last: the order of ``EXAMPLES``, then any other."""
    order = {name: i for i, name in enumerate(EXAMPLES)}
    return sorted(commands, key=lambda c: order.get(c.name, len(order)))


def command_line(command: CommandHelp) -> str:
    """'**/gap** `country [target] …`' over 'How far … · e.g. `/gap country:Spain target:2`'."""
    options = command.signature.removeprefix(f"/{command.name}").strip()
    head = f"**/{command.name}**" + (f" `{options}`" if options else "")
    line = command.description
    if command.permission:
        line += f" ({command.permission})"
    example = EXAMPLES.get(command.name)
    if example is not None and example[0] != f"/{command.name}":
        line += f" · e.g. `{example[0]}`"
    return f"{head}\n{line}"


# --------------------------------------------------------------------------- the questions


def _releases_with(snap: Snapshot, provenance: Provenance) -> list[str]:
    return [
        rid
        for rid, records in snap.records.items()
        if any(r.provenance == provenance and not r.is_aggregate for r in records.values())
    ]


def faq(snap: Snapshot, default_target: float) -> list[tuple[str, str]]:
    """(question, answer) pairs; those about data the snapshot lacks are left out."""
    newest = snap.newest_release
    target = wording.fmt_target(default_target)
    named = ", ".join(t.label for t in registry.GDP_TARGETS)
    answers = [
        (
            "Which release does a reply use?",
            f"The newest loaded one unless you pick another with `release:` — now "
            f"{newest.release_id}, *{newest.title}* (published "
            f"{wording.fmt_published(newest.published)}). Every reply names its release and "
            f"year. {wording.REVISIONS_INTRO} Figures therefore differ between releases: "
            "`/revisions` shows one figure as each release published it, `/about` what is loaded.",
        ),
        (
            "What is “core” defence expenditure?",
            "What NATO calls its measure since the Hague summit (June 2025). It is NATO's agreed "
            "definition of defence expenditure, the same measure 2% has always been judged on: "
            f"the Hague text sets {registry.HAGUE_CORE.label} “based on the agreed definition of "
            "NATO defence expenditure”. So 2%, 3.5% and any other target are judged on the share "
            "every release publishes, and a change from one release to the next is a revision. "
            f"The {registry.HAGUE_TOTAL.label} commitment adds up to 1.5% of defence-related "
            "spending, which NATO does not publish per ally. `/targets` has the details.",
        ),
    ]
    unarmed = [c for c in snap.countries.values() if not c.has_armed_forces]
    if unarmed:
        names = wording.country_list(unarmed)
        verb = "has" if len(unarmed) == 1 else "have"
        answers.append(
            (
                f"Why is {names} not assessed?",
                f"{names} {verb} no armed forces, so NATO reports no defence spending for "
                f"{'it' if len(unarmed) == 1 else 'them'}. An ally all the same: listed in every "
                "summary, but no target is judged for it.",
            )
        )
    answers.append(
        (
            f"What does “{wording.ESTIMATE_MARK}” mean?",
            f"A NATO estimate: NATO marks a figure {wording.ESTIMATE_MARK} while the year's "
            "spending is not final (usually the latest one or two years), and later releases "
            "revise it, sometimes a lot: `/revisions` shows how. When every figure of a reply is "
            "an estimate, the reply says so once instead; charts draw estimates apart.",
        )
    )
    answers.append(
        (
            "Can I ask about NATO as a whole?",
            "Yes: `/country country:NATO` (or `country:Europe & Canada`) answers with NATO's "
            "own aggregate figures, for all allies or for the European allies and Canada, "
            "and `/compare` puts them beside allies. Countries that are not allies get one "
            "private line: NATO publishes no figures for them.",
        )
    )
    press, extraction = _releases_with(snap, "press"), _releases_with(snap, "extraction")
    if press or extraction:
        sources = []
        if press:
            sources.append(f"press reports of the release ({', '.join(press)})")
        if extraction:
            sources.append(f"a third-party extraction of NATO's table ({', '.join(extraction)})")
        answers.append(
            (
                "Where do press figures come from?",
                "Most figures are read from NATO's own tables. Where NATO's file was not at "
                f"hand, they come from {' or '.join(sources)}. A reply's footer says so whenever "
                "it shows such figures, and an exported CSV has a provenance column.",
            )
        )
    answers.append(
        (
            "Which target is used when I name none?",
            "The server's default, which members with Manage Server set with `/settings "
            f"target`, else the bot's: here {target} of GDP. A target can be {named} or any "
            f"number from {registry.MIN_TARGET:g} to {registry.MAX_TARGET:g}.",
        )
    )
    return answers


# --------------------------------------------------------------------------- embeds


def _listing(commands: Sequence[CommandHelp]) -> list[discord.Embed]:
    """Every command, in as many embeds as their lines need (never a command cut in two)."""
    blocks = [OPTIONAL_NOTE + "\n", *map(command_line, in_help_order(commands)), "\n" + EXPORT_NOTE]
    descriptions: list[str] = []
    for block in blocks:
        if descriptions and len(descriptions[-1]) + 1 + len(block) <= DESCRIPTION_LIMIT:
            descriptions[-1] += "\n" + block
        else:
            descriptions.append(block.strip("\n"))
    embeds = [discord.Embed(description=d, colour=NATO_BLUE) for d in descriptions]
    embeds[0].title = HELP_TITLE
    return [fit(e) for e in embeds]


def _questions(snap: Snapshot, default_target: float) -> discord.Embed:
    questions = discord.Embed(title=FAQ_TITLE, colour=NATO_BLUE)
    for question, answer in faq(snap, default_target):
        questions.add_field(name=question, value=answer, inline=False)
    newest = snap.newest_release
    questions.set_footer(
        text=f"Source: NATO, {newest.title}, published "
        f"{wording.fmt_published(newest.published)}, and earlier releases"
    )
    return fit(questions)


def help_messages(
    commands: Sequence[CommandHelp], snap: Snapshot, default_target: float
) -> list[list[discord.Embed]]:
    """The commands, then the questions, as few messages as Discord's limits allow (6,000
    characters and 10 embeds a message): today one."""
    messages: list[list[discord.Embed]] = [[]]
    for embed in [*_listing(commands), _questions(snap, default_target)]:
        current = messages[-1]
        if current and (
            sum(len(e) for e in current) + len(embed) > TOTAL_LIMIT
            or len(current) == EMBEDS_PER_MESSAGE
        ):
            messages.append(current := [])
        current.append(embed)
    return messages


def welcome_embed(snap: Snapshot, bot_name: str, default_target: float) -> discord.Embed:
    """The one message posted when the bot joins a server."""
    newest = snap.newest_release
    tries = ["summary", "country", "compare"]
    embed = discord.Embed(
        title=f"{WELCOME_TITLE}: {bot_name}"[:256],
        description=(
            "I answer who meets NATO's defence-spending targets, from NATO's own published "
            f"figures — now up to release {newest.release_id} "
            f"({wording.BASIS_LABEL[newest.basis]}). Every reply names its release and year, and "
            "marks NATO's estimates."
        ),
        colour=NATO_BLUE,
    )
    embed.add_field(
        name="Try",
        value="\n".join(f"`{EXAMPLES[name][0]}` — {EXAMPLES[name][1]}" for name in tries),
        inline=False,
    )
    embed.add_field(
        name="More",
        value=(
            "`/help` lists every command and answers the usual questions (privately). The "
            f"default target here is {wording.fmt_target(default_target)}; members with Manage "
            "Server can change it with `/settings target`."
        ),
        inline=False,
    )
    embed.set_footer(text=f"Source: NATO, {newest.title}, and earlier releases")
    return fit(embed)
