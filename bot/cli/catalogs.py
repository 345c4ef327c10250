"""The catalogs' developer tool, run by ``make i18n-extract`` / ``make i18n-check``.

``extract`` writes ``bot/locales/natobot.pot``: the messages marked in the code (Babel's
extractor) and every command's, option's and choice's name and description, asked of the
real command tree exactly as discord.py's Translator is asked at sync time. ``check`` says
whether the template is in step with the code, and each catalog's state: complete (offered)
or not, and any placeholder, plural or Discord-rule problem (exit status 1 on a problem).
``compile`` writes each catalog's ``.mo`` to ``build/locales`` as the bot compiles it in
memory, with Babel's statistics (``pybabel compile`` is not used: its %-format checker reads
the "% of" in "% of GDP" and the "% d" in "% des BIP" as placeholders; the messages here use
``{braces}`` only, which ``check`` compares).

    python -m bot.cli.catalogs extract | check | compile
"""

from __future__ import annotations

import asyncio
import io
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import discord
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.client import NatoBot, discover_extensions
from bot.command_translator import CONTEXT, problem
from bot.config import Settings
from bot.i18n import catalogs

#: The code's marking functions and where their message arguments are (Babel's spec).
KEYWORDS = {"N_": None, "gettext": (2,), "ngettext": (2, 3), "pgettext": ((2, "c"), 3)}
SOURCE_DIRS = ("bot", "cogs")
ROOT = Path(__file__).resolve().parents[2]


def _where(data: object) -> str:
    """'/summary', '/summary year', or a choice's name: a translator's hint of where it is."""
    if isinstance(data, app_commands.Parameter):
        return f"/{data.command.qualified_name} {data.name}"
    if isinstance(data, app_commands.Command | app_commands.Group):
        return f"/{data.qualified_name}"
    return "a choice"  # named by command_strings, which knows whose choice it is


class _Recorder(app_commands.Translator):
    """Asked what the real Translator is asked; remembers the strings and where they are."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], set[str]] = {}

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        where = CONTEXT.get(context.location)
        if where is not None and locale is discord.Locale.german:
            self.seen.setdefault((where, string.message), set()).add(_where(context.data))
        return None


async def command_strings() -> dict[tuple[str, str], set[str]]:
    """(context, English string) -> the commands it belongs to, for every synced command."""
    with tempfile.TemporaryDirectory() as scratch:
        # Never logs in and never opens the database: only the cogs' commands are built.
        settings = Settings(_env_file=None, discord_token="unused", database_path=scratch)
        bot = NatoBot(settings)
        for extension in discover_extensions():
            await bot.load_extension(extension)
        recorder = _Recorder()
        try:
            for command in bot.tree.get_commands():
                await command.get_translated_payload(bot.tree, recorder)
            places = _choice_places(bot.tree.walk_commands())
        finally:
            for extension in list(bot.extensions):
                await bot.unload_extension(extension)
    for (context, message), where in recorder.seen.items():
        if context == CONTEXT[Where.choice_name]:
            where.discard("a choice")
            where.update(places.get(message, set()))
    return recorder.seen


def _choice_places(
    commands: Iterable[app_commands.Command[Any, ..., Any] | app_commands.Group],
) -> dict[str, set[str]]:
    """A choice's name -> the options offering it ('/ranking metric')."""
    places: dict[str, set[str]] = {}
    for command in commands:
        if isinstance(command, app_commands.Command):
            for parameter in command.parameters:
                for choice in parameter.choices:
                    where = f"/{command.qualified_name} {parameter.name}"
                    places.setdefault(choice.name, set()).add(where)
    return places


def template_catalog(tree_strings: dict[tuple[str, str], set[str]]) -> Catalog:
    template = Catalog(
        project="nato-spending-bot",
        domain=catalogs.DOMAIN,
        copyright_holder="the nato-spending-bot authors",
        fuzzy=False,
    )
    for directory in SOURCE_DIRS:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / directory, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
        ):
            template.add(
                message,
                locations=[(f"{directory}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    for (context, message), where in sorted(tree_strings.items()):
        template.add(message, auto_comments=sorted(where), context=context)
    return template


def _keys(messages: Iterable[object]) -> set[tuple[str | None, str]]:
    return {
        (m.context, m.id if isinstance(m.id, str) else m.id[0])  # type: ignore[attr-defined]
        for m in messages
        if m.id  # type: ignore[attr-defined]
    }


def _undated(pot: bytes) -> list[bytes]:
    return [line for line in pot.splitlines() if not line.startswith(b'"POT-Creation-Date:')]


def extract() -> int:
    template = template_catalog(asyncio.run(command_strings()))
    rendered = io.BytesIO()
    write_po(rendered, template, width=100, sort_output=True)
    path = ROOT / "bot" / "locales" / f"{catalogs.DOMAIN}.pot"
    # Only its date would change: leave it (and every catalog's header) as it is.
    if path.is_file() and _undated(path.read_bytes()) == _undated(rendered.getvalue()):
        print(f"bot/locales/{catalogs.DOMAIN}.pot is up to date ({len(template)} messages)")
        return 0
    path.write_bytes(rendered.getvalue())
    print(f"{len(template)} messages -> bot/locales/{catalogs.DOMAIN}.pot")
    return 0


def check() -> int:
    failed = False
    wanted = _keys(template_catalog(asyncio.run(command_strings())))
    with catalogs.template().open("rb") as pot:
        stored = _keys(read_po(pot))
    if wanted != stored:
        failed = True
        print(
            f"natobot.pot is out of step with the code ({len(wanted - stored)} new, "
            f"{len(stored - wanted)} gone): run make i18n-extract i18n-update"
        )
    for catalog in catalogs.available():
        parsed = catalogs.read(catalog)
        missing = wanted - _keys(parsed)
        left = catalogs.untranslated(parsed)
        found = [str(p) for p in catalogs.problems(catalog)]
        for message in parsed:
            context, text = message.context, message.string
            if (
                context is not None
                and context in CONTEXT.values()
                and isinstance(text, str)
                and text
            ):
                refused = problem(context, text)
                if refused:
                    found.append(f"{catalogs.po_file(catalog)}:{message.lineno}: {refused}")
        done = len(parsed) - len(left)
        state = "offered" if not left and not missing else "not offered (incomplete)"
        print(f"{catalog}: {done}/{len(parsed)} translated, {state}")
        for line in found:
            print(f"  {line}")
        failed |= bool(found)
    return 1 if failed else 0


def compile_all() -> int:
    out = ROOT / "build" / "locales"
    for catalog in catalogs.available():
        parsed = catalogs.read(catalog)
        target = out / catalog / "LC_MESSAGES" / f"{catalogs.DOMAIN}.mo"
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as mo:
            write_mo(mo, parsed)
        done = len(parsed) - len(catalogs.untranslated(parsed))
        share = 100 * done // max(1, len(parsed))
        shown = target.relative_to(ROOT)
        print(f"{catalog}: {done} of {len(parsed)} messages ({share}%) translated -> {shown}")
    return 0


def main(argv: list[str]) -> int:
    commands = {"extract": extract, "check": check, "compile": compile_all}
    if len(argv) != 1 or argv[0] not in commands:
        print("usage: python -m bot.cli.catalogs extract | check | compile", file=sys.stderr)
        return 2
    return commands[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
