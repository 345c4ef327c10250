"""The test driver: what users do, sent to the bot as Discord would send it.

`invoke` (a slash command), `autocomplete`, `click` (a button or select) and `submit_modal` build
the interaction from the world and the synced commands (a test cannot send what a user could not),
dispatch it on the gateway and return the `FakeInteraction` that records the bot's answer.
`invoke_raw` is the one exception: options sent exactly as given, as a forged interaction could.
"""

# Waits take a `timeout` so a failure can say what never arrived (asyncio.timeout cannot).
# ruff: noqa: ASYNC109

from __future__ import annotations

import copy
import dataclasses
import secrets
import time
from collections.abc import Mapping
from typing import Any

import discord

from .commands import ResolvedBuilder, build_command_data
from .gateway import Gateway
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    AUTOCOMPLETE_RESULT,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    FakeInteraction,
    make_interaction_payload,
)
from .models import (
    DEFAULT_BOT_PERMISSIONS,
    JSON,
    FakeChannel,
    FakeDiscordError,
    FakeGuild,
    FakeMember,
    FakeMessage,
    FakeUser,
    permissions_value,
    snowflake,
    walk_components,
)
from .waiting import DEADLINE
from .world import World


class Driver(World):
    """A World whose users act: the part of FakeDiscord that tests drive."""

    gateway: Gateway  # set by FakeDiscord

    # ---- sending interactions ----------------------------------------------------------------
    async def invoke(
        self,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        guild: FakeGuild | None = None,
        channel: FakeChannel | None = None,
        user: FakeUser | FakeMember | None = None,
        permissions: discord.Permissions | int | None = None,
        app_permissions: discord.Permissions | int | None = None,
        locale: str = "en-US",
        dm: bool = False,
        permission_override: bool = False,
    ) -> FakeInteraction:
        """Send a slash command as a user would type it: "gap", "/settings target", options by name.

        Without `guild`, the first guild is used (or the DM with `dm=True`); without `user`,
        `fake.tester`. `permissions` overrides the member's computed permissions in the payload.
        A member lacking the command's default_member_permissions cannot see it on Discord, so
        that raises, unless `permission_override` (a guild admin's per-command override).
        """
        return await self._command_interaction(
            APPLICATION_COMMAND,
            command,
            options or {},
            None,
            guild=guild,
            channel=channel,
            user=user,
            permissions=permissions,
            app_permissions=app_permissions,
            locale=locale,
            dm=dm,
            permission_override=permission_override,
        )

    async def invoke_raw(
        self,
        command: str,
        options: list[JSON],
        *,
        guild: FakeGuild | None = None,
        user: FakeUser | FakeMember | None = None,
        dm: bool = False,
    ) -> FakeInteraction:
        """Send a slash command whose options are sent exactly as given, unchecked.

        ``options`` are the payload's leaf options (``{"name", "type", "value"}``), placed
        under the subcommands named in ``command``: what a forged interaction or a client
        with a stale command list can send (a string for an integer, an unknown name, a
        required option left out), which `invoke` refuses to build.
        """
        return await self._command_interaction(
            APPLICATION_COMMAND,
            command,
            {},
            None,
            guild=guild,
            channel=None,
            user=user,
            permissions=None,
            app_permissions=None,
            locale="en-US",
            dm=dm,
            permission_override=True,
            raw_options=options,
        )

    async def click_raw(
        self,
        message: FakeMessage,
        custom_id: str,
        forged: str,
        *,
        user: FakeUser | FakeMember | None = None,
    ) -> FakeInteraction:
        """Press the button ``custom_id`` of ``message`` in a forged interaction: it carries
        ``forged`` as that button's custom id, both as the one clicked and in the copy of the
        message the payload holds (a client can rewrite both), which `click` never sends."""
        current = self.messages.get(message.id)
        if current is None or current.deleted:
            raise FakeDiscordError(f"message {message.id} does not exist (or was deleted)")
        component = current.component(custom_id)
        shown = copy.deepcopy(current.components)
        for child in walk_components(shown):
            if child.get("custom_id") == custom_id:
                child["custom_id"] = forged
        clicker = user.user if isinstance(user, FakeMember) else (user or self.tester)
        guild = self.guilds.get(current.guild_id) if current.guild_id else None
        context = self._context(
            guild,
            self.channels.get(current.channel_id),
            clicker,
            permissions=None,
            app_permissions=None,
            locale="en-US",
            dm=guild is None,
        )
        data: JSON = {"custom_id": forged, "component_type": component["type"]}
        interaction = self._new_interaction(
            MESSAGE_COMPONENT,
            data,
            context,
            f"forged click {forged!r}",
            dataclasses.replace(current, components=shown),
        )
        interaction.original = current
        return await self._send_interaction(interaction, guild)

    async def autocomplete(
        self,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        focused: str,
        timeout: float = DEADLINE,
        guild: FakeGuild | None = None,
        channel: FakeChannel | None = None,
        user: FakeUser | FakeMember | None = None,
        locale: str = "en-US",
        dm: bool = False,
    ) -> list[JSON]:
        """Send an AUTOCOMPLETE interaction while `focused` is being typed; return the choices."""
        interaction = await self._command_interaction(
            AUTOCOMPLETE,
            command,
            options or {},
            focused,
            guild=guild,
            channel=channel,
            user=user,
            permissions=None,
            app_permissions=None,
            locale=locale,
            dm=dm,
            permission_override=True,
        )
        response = await interaction.response(timeout)
        if response.type != AUTOCOMPLETE_RESULT:
            raise AssertionError(f"autocomplete answered with callback type {response.type}, not 8")
        return response.choices

    async def click(
        self,
        message: FakeMessage,
        custom_id: str,
        *,
        user: FakeUser | FakeMember | None = None,
        values: list[str] | None = None,
        permissions: discord.Permissions | int | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Press a button (or pick `values` in a select) on a message the bot sent."""
        current = self.messages.get(message.id)
        if current is None or current.deleted:
            raise FakeDiscordError(f"message {message.id} does not exist (or was deleted)")
        component = current.component(custom_id)
        if component.get("disabled"):
            raise FakeDiscordError(
                f"component {custom_id!r} is disabled; Discord would not send a click"
            )
        clicker = user.user if isinstance(user, FakeMember) else (user or self.tester)
        if (
            current.ephemeral
            and current.interaction_user
            and current.interaction_user.id != clicker.id
        ):
            raise FakeDiscordError("only the user who got an ephemeral message can click it")
        data: JSON = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] == 2:
            if values is not None:
                raise FakeDiscordError(f"{custom_id!r} is a button: no values")
        else:
            picked = list(values or [])
            low, high = component.get("min_values", 1), component.get("max_values", 1)
            if not low <= len(picked) <= high:
                raise FakeDiscordError(
                    f"select {custom_id!r} takes {low}..{high} values, got {picked}"
                )
            if component["type"] == 3:
                allowed = [o["value"] for o in component.get("options", [])]
                if not set(picked) <= set(allowed):
                    raise FakeDiscordError(f"select {custom_id!r} offers {allowed}, not {picked}")
            data["values"] = picked
        guild = self.guilds.get(current.guild_id) if current.guild_id else None
        channel = self.channels.get(current.channel_id)
        context = self._context(
            guild,
            channel,
            clicker,
            permissions=permissions,
            app_permissions=None,
            locale=locale,
            dm=guild is None,
        )
        interaction = self._new_interaction(
            MESSAGE_COMPONENT, data, context, f"click {custom_id!r}", current
        )
        interaction.original = current
        return await self._send_interaction(interaction, guild)

    async def submit_modal(
        self,
        opened_by: FakeInteraction,
        values: Mapping[str, str | list[str]],
        *,
        user: FakeUser | FakeMember | None = None,
    ) -> FakeInteraction:
        """Fill in and submit the modal the bot opened in answer to `opened_by`."""
        modal = opened_by.modal
        if modal is None:
            raise FakeDiscordError(f"{opened_by.label} did not open a modal")
        inputs = {
            c["custom_id"]: c
            for c in walk_components(modal.get("components", []))
            if "custom_id" in c
        }
        unknown = sorted(set(values) - set(inputs))
        if unknown:
            raise FakeDiscordError(
                f"modal {modal['custom_id']!r} has no input(s) {unknown}; has {sorted(inputs)}"
            )

        def submitted(component: JSON) -> JSON:
            if component.get("type") == 1:
                return {
                    "type": 1,
                    "components": [submitted(c) for c in component.get("components", [])],
                }
            if component.get("type") == 18:
                return {
                    "type": 18,
                    "id": component.get("id", 0),
                    "component": submitted(component["component"]),
                }
            answer: JSON = {"type": component["type"], "custom_id": component.get("custom_id")}
            value = values.get(component.get("custom_id", ""), "")
            if component.get("type") == 4:
                if component.get("required", True) and not value:
                    raise FakeDiscordError(
                        f"modal input {component.get('custom_id')!r} is required"
                    )
                answer["value"] = value
            else:
                answer["values"] = list(value) if isinstance(value, list) else [value]
            return answer

        data = {
            "custom_id": modal["custom_id"],
            "components": [submitted(c) for c in modal.get("components", [])],
        }
        payload = opened_by.payload
        guild = self.guilds.get(int(payload["guild_id"])) if payload.get("guild_id") else None
        channel = (
            self.channels.get(int(payload["channel_id"])) if payload.get("channel_id") else None
        )
        submitter = user or self.users[int((payload.get("member") or payload)["user"]["id"])]
        context = self._context(
            guild,
            channel,
            submitter,
            permissions=None,
            app_permissions=None,
            locale="en-US",
            dm=guild is None,
        )
        message = opened_by.original if opened_by.type == MESSAGE_COMPONENT else None
        interaction = self._new_interaction(
            MODAL_SUBMIT, data, context, f"modal {modal['custom_id']!r}", message
        )
        interaction.original = message
        return await self._send_interaction(interaction, guild)

    async def _command_interaction(
        self,
        kind: int,
        command: str,
        options: Mapping[str, Any],
        focused: str | None,
        *,
        guild: FakeGuild | None,
        channel: FakeChannel | None,
        user: FakeUser | FakeMember | None,
        permissions: discord.Permissions | int | None,
        app_permissions: discord.Permissions | int | None,
        locale: str,
        dm: bool,
        permission_override: bool,
        raw_options: list[JSON] | None = None,
    ) -> FakeInteraction:
        if not dm and guild is None:
            if not self.guilds:
                raise FakeDiscordError("no guild: call fake.add_guild() first, or pass dm=True")
            guild = next(iter(self.guilds.values()))
        if dm:
            guild = None
        parts = command.lstrip("/").split()
        if not parts:
            raise FakeDiscordError("empty command name")
        found = self.command_store.find(parts[0], guild.id if guild else None)
        if found is None:
            synced = self.command_store.names(guild.id if guild else None)
            raise FakeDiscordError(f"/{parts[0]} is not synced here; synced: {synced}")
        schema, scope = found
        invoker = user.user if isinstance(user, FakeMember) else (user or self.tester)
        context = self._context(
            guild,
            channel,
            invoker,
            permissions=permissions,
            app_permissions=app_permissions,
            locale=locale,
            dm=dm,
        )
        self._check_command_visible(schema, guild, context, permission_override, dm)
        resolved = ResolvedBuilder(guild)
        if raw_options is None:
            data = build_command_data(schema, scope, parts[1:], options, resolved, focused=focused)
        else:
            data = _unchecked_command_data(schema, scope, parts[1:], raw_options)
        label = "/" + " ".join(parts)
        interaction = self._new_interaction(kind, data, context, label, None)
        return await self._send_interaction(interaction, guild)

    def _check_command_visible(
        self,
        schema: JSON,
        guild: FakeGuild | None,
        context: JSON,
        permission_override: bool,
        dm: bool,
    ) -> None:
        allowed_contexts = schema.get("contexts")
        where = 1 if dm else 0
        if allowed_contexts is not None and where not in allowed_contexts:
            raise FakeDiscordError(
                f"/{schema['name']} is not offered in this context ({where}): {allowed_contexts}"
            )
        if dm and schema.get("dm_permission") is False:
            raise FakeDiscordError(f"/{schema['name']} is not offered in DMs (dm_permission false)")
        required = schema.get("default_member_permissions")
        if guild is None or required is None or permission_override:
            return
        has = int(context["member"]["permissions"])
        needed = int(required)
        if has & needed != needed:
            raise FakeDiscordError(
                f"/{schema['name']} needs default_member_permissions {needed}; "
                f"this member has {has}. Discord hides it from them "
                "(pass permission_override=True to model a guild admin's override)"
            )

    def _context(
        self,
        guild: FakeGuild | None,
        channel: FakeChannel | None,
        user: FakeUser | FakeMember,
        *,
        permissions: discord.Permissions | int | None,
        app_permissions: discord.Permissions | int | None,
        locale: str,
        dm: bool,
    ) -> JSON:
        plain_user = user.user if isinstance(user, FakeMember) else user
        if guild is None or dm:
            dm_channel = channel or self.dm_channel(plain_user)
            return {
                "user": plain_user.to_payload(),
                "channel_id": str(dm_channel.id),
                "channel": dm_channel.to_payload(),
                "app_permissions": str(
                    permissions_value(app_permissions or DEFAULT_BOT_PERMISSIONS)
                ),
                "locale": locale,
                "context": 1,
                "authorizing_integration_owners": {"0": "0"},
            }
        channel = channel or guild.text_channel
        if channel.guild_id != guild.id:
            raise FakeDiscordError(f"channel {channel.name!r} is not in guild {guild.name!r}")
        member = guild.member(plain_user)
        member_permissions = (
            permissions_value(permissions)
            if permissions is not None
            else member.permissions_in(channel)
        )
        bot_permissions = (
            permissions_value(app_permissions)
            if app_permissions is not None
            else self.bot_permissions_in(channel)
        )
        member_payload = member.to_payload()
        member_payload["permissions"] = str(member_permissions)
        channel_payload = channel.to_payload()
        channel_payload["permissions"] = str(member_permissions)
        return {
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
            "guild_locale": guild.locale,
            "channel_id": str(channel.id),
            "channel": channel_payload,
            "member": member_payload,
            "app_permissions": str(bot_permissions),
            "locale": locale,
            "context": 0,
            "authorizing_integration_owners": {"0": str(guild.id)},
        }

    def _new_interaction(
        self, kind: int, data: JSON, context: JSON, label: str, message: FakeMessage | None
    ) -> FakeInteraction:
        interaction_id = snowflake()
        token = f"fake-interaction-{secrets.token_urlsafe(24)}"
        payload = make_interaction_payload(
            interaction_id=interaction_id,
            token=token,
            kind=kind,
            application_id=self.application_id,
            data=data,
            context=context,
            message=message,
        )
        interaction = FakeInteraction(interaction_id, token, kind, payload, label)
        self.interactions[token] = interaction
        return interaction

    async def _send_interaction(
        self, interaction: FakeInteraction, guild: FakeGuild | None
    ) -> FakeInteraction:
        session = self.gateway.session_for(guild)
        interaction.dispatched_at = time.monotonic()
        await session.dispatch("INTERACTION_CREATE", interaction.payload)
        return interaction


def _unchecked_command_data(
    schema: JSON, scope: int | None, path: list[str], options: list[JSON]
) -> JSON:
    """The `data` of a command interaction carrying ``options`` as given (see `invoke_raw`)."""
    leaves: list[JSON] = [dict(option) for option in options]
    nested = leaves
    for depth, part in reversed(list(enumerate(path))):
        # A group's subcommand is type 1 (SUB_COMMAND) inside a type 2 (SUB_COMMAND_GROUP).
        kind = 1 if depth == len(path) - 1 else 2
        nested = [{"type": kind, "name": part, "options": nested}]
    data: JSON = {"id": schema["id"], "name": schema["name"], "type": 1, "options": nested}
    if scope is not None:
        data["guild_id"] = str(scope)
    return data
