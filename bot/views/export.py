"""The "Export CSV" button under /summary, /ranking, /compare and /revisions replies.

The button's custom id is the question itself (the command and its resolved release, year,
target, metric or allies), so whichever process of the bot receives the click answers it, after
a restart too, and nothing is kept in memory per message. A click recomputes the answer from the
snapshot the bot serves and sends the table (``bot.render.csv_export``) as a file only the
clicker sees; the public reply is left as it is. The button never expires: the question is
answered from the data the bot holds at the time of the click, which the file names.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from typing import Any

import discord

from bot import analytics
from bot.analytics import Comparison, ComplianceSummary, Ranking, Revisions
from bot.errors import UserFacingError
from bot.models import Snapshot
from bot.render import csv_export
from bot.replies import send_ephemeral
from bot.views.questions import RankingQuestion

log = logging.getLogger(__name__)

LABEL = "Export CSV"
#: Discord's limit on a component's custom id.
CUSTOM_ID_LIMIT = 100

Exportable = ComplianceSummary | Ranking | Comparison | Revisions

_COMMANDS = ("summary", "ranking", "compare", "revisions")


def question_of(result: Exportable) -> tuple[str, str]:
    """(command, question): what a custom id carries to ask the same again, '/'-separated."""
    if isinstance(result, ComplianceSummary):
        return "summary", f"{result.release_id}/{result.year}/{result.target:g}"
    if isinstance(result, Ranking):
        return "ranking", RankingQuestion.of(result).encode()
    if isinstance(result, Comparison):
        codes = ",".join(row.figures.country.iso3 for row in result.rows)
        return "compare", f"{result.release_id}/{result.year}/{result.target:g}/{codes}"
    return "revisions", f"{result.country.iso3}/{result.year}"


def answer(snap: Snapshot, command: str, question: str) -> Exportable:
    """The result a custom id asks for, recomputed from ``snap``. A release or ally the data no
    longer has raises the same UserFacingError the command would."""
    parts = question.split("/")
    try:
        if command == "summary":
            release, year, target = parts
            return analytics.summary(snap, release_id=release, year=int(year), target=float(target))
        if command == "ranking":
            return RankingQuestion.decode(question).ask(snap)
        if command == "compare":
            release, year, target, codes = parts
            return analytics.compare(
                snap, codes.split(","), release_id=release, year=int(year), target=float(target)
            )
        if command == "revisions":
            iso3, year = parts
            return analytics.revisions(snap, iso3, year=int(year))
    except ValueError:  # a malformed id: never one this bot made
        pass
    raise UserFacingError("This button does not say what to export: run the command again.")


class ExportButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"export:(?P<command>" + "|".join(_COMMANDS) + r"):(?P<question>[\w.,/-]*)",
):
    """Sends the reply's table as a CSV file, privately, to whoever clicks."""

    def __init__(self, command: str, question: str) -> None:
        custom_id = f"export:{command}:{question}"
        if len(custom_id) > CUSTOM_ID_LIMIT:  # 5 allies and a target fit with room to spare
            raise ValueError(f"export custom id over {CUSTOM_ID_LIMIT} characters: {custom_id}")
        super().__init__(
            discord.ui.Button(
                label=LABEL,
                emoji="📄",
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id,
            )
        )
        self.command = command
        self.question = question

    @classmethod
    def of(cls, result: Exportable) -> ExportButton:
        return cls(*question_of(result))

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ExportButton:
        return cls(match["command"], match["question"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        # discord.py only logs what a dynamic item raises: answer here, or Discord says it failed.
        try:
            await _send_csv(interaction, self.command, self.question)
        except UserFacingError as error:
            with contextlib.suppress(discord.HTTPException):
                await send_ephemeral(interaction, str(error))
        except Exception:
            log.exception("CSV export failed (interaction %s)", interaction.id)
            with contextlib.suppress(discord.HTTPException):
                await send_ephemeral(
                    interaction,
                    f"Sorry, that didn't work. It has been logged (reference {interaction.id}).",
                )


def export_view(result: Exportable) -> discord.ui.View:
    """A view holding only the Export CSV button. Its item is dynamic, so discord.py's view store
    keeps no reference to the view once it is sent."""
    view = discord.ui.View(timeout=None)
    view.add_item(ExportButton.of(result))
    return view


def csv_file(result: Exportable, snap: Snapshot) -> discord.File:
    # With a byte-order mark, Excel reads the file as UTF-8 (Türkiye, not TÃ¼rkiye).
    data = csv_export.to_csv(result, snap).encode("utf-8-sig")
    return discord.File(io.BytesIO(data), filename=csv_export.filename(result))


def _note(command: str, result: Exportable) -> str:
    where = (
        f"release {result.release_id}, {result.year}"
        if not isinstance(result, Revisions)
        else f"{result.country.name} {result.year}, every release"
    )
    return (
        f"The table of /{command} ({where}) as CSV. Its first lines (#) say what each column "
        "means and where the figures come from."
    )


async def _send_csv(interaction: discord.Interaction[Any], command: str, question: str) -> None:
    snap: Snapshot = interaction.client.store.snapshot
    result = answer(snap, command, question)  # before answering: a refusal stays one message
    await interaction.response.defer(ephemeral=True, thinking=True)
    await interaction.followup.send(
        _note(command, result), file=csv_file(result, snap), ephemeral=True
    )
