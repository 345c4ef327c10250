"""Options Discord would never send: a forged interaction, or a client with a stale command list.

Discord checks every option against the synced command (its type, range, choices, required)
before the bot sees it, and discord.py trusts that: a string where an integer ``year`` is
expected reaches the command as a string. So the tree checks the payload against the command's
parameters first, and refuses what does not fit with one line naming the option.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import AppCommandOptionType, app_commands

from bot.errors import echo

#: What each option type must hold, in the words of the refusal.
_EXPECTED = {
    AppCommandOptionType.string: "text",
    AppCommandOptionType.integer: "a whole number",
    AppCommandOptionType.number: "a number",
    AppCommandOptionType.boolean: "true or false",
    AppCommandOptionType.user: "a user",
    AppCommandOptionType.channel: "a channel",
    AppCommandOptionType.role: "a role",
    AppCommandOptionType.mentionable: "a user or a role",
    AppCommandOptionType.attachment: "a file",
}
_GROUPING = (AppCommandOptionType.subcommand.value, AppCommandOptionType.subcommand_group.value)
#: Which Python values each type's JSON value may be (snowflakes are strings).
_VALUE_TYPES: dict[AppCommandOptionType, tuple[type, ...]] = {
    AppCommandOptionType.integer: (int,),
    AppCommandOptionType.number: (int, float),
    AppCommandOptionType.boolean: (bool,),
}
#: The largest integer Discord sends (its integer options hold -(2**53 - 1) to 2**53 - 1):
#: where a command sets no bound, this one applies, so a forged 2**63 never reaches SQLite.
DISCORD_MAX_INTEGER = 2**53 - 1


class UnexpectedOptions(app_commands.AppCommandError):
    """The interaction's options do not match the command: ``str()`` is the user's line."""

    def __init__(self, message: str, *, detail: str) -> None:
        super().__init__(message)
        #: For the log: what exactly was sent.
        self.detail = detail


def _leaf_options(data: Any) -> list[dict[str, Any]]:
    """The options of the subcommand that was invoked (below any group and subcommand)."""
    options: list[dict[str, Any]] = list(data.get("options") or [])
    while len(options) == 1 and options[0].get("type") in _GROUPING:
        options = list(options[0].get("options") or [])
    return options


def _holds(kind: AppCommandOptionType, value: object) -> bool:
    if kind is AppCommandOptionType.boolean:
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False  # JSON true is not the number 1
    return isinstance(value, _VALUE_TYPES.get(kind, (str,)))


def _bound(value: float) -> str:
    """A bound as typed: every digit of a whole number (not 9.0072e+15), else shortest."""
    return str(value) if isinstance(value, int) else f"{value:g}"


def _within(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"between {_bound(low)} and {_bound(high)}"
    return f"at least {low:g}" if low is not None else f"at most {high:g}"


def _problem(parameter: app_commands.Parameter, option: dict[str, Any]) -> str | None:
    name, kind, value = parameter.display_name, parameter.type, option.get("value")
    if option.get("type") != kind.value or not _holds(kind, value):
        return f"That option had the wrong type: {name} must be {_EXPECTED.get(kind, kind.name)}."
    low, high = parameter.min_value, parameter.max_value
    if kind in (AppCommandOptionType.integer, AppCommandOptionType.number):
        assert isinstance(value, int | float)
        low = -DISCORD_MAX_INTEGER if low is None else low
        high = DISCORD_MAX_INTEGER if high is None else high
        if not low <= value <= high:  # NaN too: it compares false with everything
            return f"That option is out of range: {name} must be {_within(low, high)}."
    if (
        kind is AppCommandOptionType.string
        and isinstance(value, str)
        and ((low is not None and len(value) < low) or (high is not None and len(value) > high))
    ):
        return f"That option has the wrong length: {name} takes {_within(low, high)} characters."
    if parameter.choices and value not in [choice.value for choice in parameter.choices]:
        return f"“{echo(str(value))}” is not one of the choices for {name}: pick one from the list."
    return None


def check_options(interaction: discord.Interaction[Any]) -> None:
    """Raise UnexpectedOptions unless the slash command's options fit its parameters."""
    command = interaction.command
    if not isinstance(command, app_commands.Command) or interaction.data is None:
        return  # an unknown command is discord.py's CommandNotFound
    parameters = {p.display_name: p for p in command.parameters}
    sent: dict[str, dict[str, Any]] = {}
    for option in _leaf_options(interaction.data):
        name = str(option.get("name"))
        if name not in parameters:
            raise UnexpectedOptions(
                f"/{command.qualified_name} has no option “{echo(name)}”: your Discord app may "
                "have an old copy of the command (restart it and try again).",
                detail=f"unknown option {name!r}",
            )
        sent[name] = option
    for name, parameter in parameters.items():
        if name not in sent:
            if parameter.required:
                raise UnexpectedOptions(
                    f"/{command.qualified_name} needs the option {name}: your Discord app may "
                    "have an old copy of the command (restart it and try again).",
                    detail=f"required option {name!r} missing",
                )
            continue
        if (problem := _problem(parameter, sent[name])) is not None:
            option = sent[name]
            raise UnexpectedOptions(
                problem,
                detail=f"option {name!r} sent as type {option.get('type')!r} "
                f"value {option.get('value')!r:.80}",
            )
