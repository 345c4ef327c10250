"""The world the fake keeps: users, guilds, channels, roles, members, messages, files, commands.

Only state and the changes to it live here; what the bot hears of a change (gateway events) is the
server's job, what it can do over REST is the handlers'.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import discord

from .commands import CommandStore
from .interactions import FakeInteraction
from .models import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    JSON,
    MEMBER_OVERWRITE,
    ROLE_OVERWRITE,
    THREAD_TYPES,
    FakeChannel,
    FakeDiscordError,
    FakeFile,
    FakeGuild,
    FakeMember,
    FakeMessage,
    FakeOverwrite,
    FakeRole,
    FakeUser,
    permissions_value,
    snowflake,
)

# How long Discord remembers a message nonce sent with enforce_nonce ("the past few minutes").
NONCE_MEMORY_SECONDS = 300.0

Grantee = FakeMember | FakeUser | FakeRole


class World:
    """Discord's state as the fake holds it; `FakeDiscord` is a World with a server around it."""

    def __init__(self, *, bot_name: str = "FakeBot") -> None:
        self.application_id = snowflake()
        self.bot_user = FakeUser(self.application_id, bot_name, bot=True)
        self.users: dict[int, FakeUser] = {self.bot_user.id: self.bot_user}
        self.owner = self.add_user("owner")
        self.tester = self.add_user("tester")  # who invokes commands unless a test names a user
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.messages: dict[int, FakeMessage] = {}
        self.files: dict[int, FakeFile] = {}
        self.command_store = CommandStore(self.application_id)
        self.interactions: dict[str, FakeInteraction] = {}  # by token
        # (channel id, author id, nonce) -> the message it created, and when
        self._nonces: dict[tuple[int, int, str], tuple[FakeMessage, float]] = {}
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ---- building the world ----------------------------------------------------------------
    def add_user(self, name: str, *, global_name: str | None = None, bot: bool = False) -> FakeUser:
        user = FakeUser(snowflake(), name, global_name=global_name, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str = "Test Guild",
        *,
        channels: Iterable[str] = ("general",),
        owner: FakeUser | None = None,
        bot_permissions: discord.Permissions | int = DEFAULT_BOT_PERMISSIONS,
        everyone_permissions: discord.Permissions | int = DEFAULT_EVERYONE_PERMISSIONS,
        locale: str = "en-US",
    ) -> FakeGuild:
        """A guild the bot is in: text channels; its owner, the bot and `fake.tester` as members."""
        guild_id = snowflake()
        everyone = FakeRole(guild_id, "@everyone", permissions_value(everyone_permissions))
        guild = FakeGuild(guild_id, name, (owner or self.owner).id, everyone, locale=locale)
        self.guilds[guild_id] = guild
        for channel_name in channels:
            self.add_channel(guild, channel_name)
        bot_role = self.add_role(guild, self.bot_user.name, bot_permissions)
        guild.members[self.bot_user.id] = FakeMember(guild, self.bot_user, [bot_role])
        for user in (owner or self.owner, self.tester):
            guild.members[user.id] = FakeMember(guild, user)
        return guild

    def add_channel(self, guild: FakeGuild, name: str, *, type: int = 0) -> FakeChannel:
        """A channel of the guild (once the bot runs, `fake.create_channel` also tells the bot)."""
        channel = FakeChannel(snowflake(), name, guild.id, type=type, position=len(guild.channels))
        guild.channels.append(channel)
        self.channels[channel.id] = channel
        return channel

    def add_thread(
        self, parent: FakeChannel, name: str, *, type: int = 11, locked: bool = False
    ) -> FakeChannel:
        """A thread of a text channel, or a post of a forum channel (a public thread), there
        before the bot connects (it arrives in GUILD_CREATE's threads)."""
        if parent.guild_id is None or parent.is_thread or parent.type not in (0, 5, 15):
            raise FakeDiscordError(f"channel {parent.name!r} cannot hold threads")
        if type not in THREAD_TYPES:
            raise FakeDiscordError(f"type {type} is not a thread's")
        guild = self.guilds[parent.guild_id]
        thread = FakeChannel(
            snowflake(),
            name,
            guild.id,
            type=type,
            overwrites=parent.overwrites,
            parent_id=parent.id,
            locked=locked,
        )
        guild.channels.append(thread)
        self.channels[thread.id] = thread
        return thread

    def add_role(
        self, guild: FakeGuild, name: str, permissions: discord.Permissions | int
    ) -> FakeRole:
        role = FakeRole(
            snowflake(), name, permissions_value(permissions), position=len(guild.roles) + 1
        )
        guild.roles.append(role)
        return role

    def add_member(
        self,
        guild: FakeGuild,
        user: FakeUser | None = None,
        *,
        name: str | None = None,
        permissions: discord.Permissions | int | None = None,
        roles: Iterable[FakeRole] = (),
        nick: str | None = None,
    ) -> FakeMember:
        """Add a member; `permissions` become a role of their own (on top of @everyone)."""
        if user is None:
            user = self.add_user(name or f"user{len(self.users)}")
        member_roles = list(roles)
        if permissions is not None:
            member_roles.append(self.add_role(guild, f"{user.name}-role", permissions))
        member = FakeMember(guild, user, member_roles, nick=nick)
        guild.members[user.id] = member
        return member

    def upload(self, filename: str, data: bytes, content_type: str | None = None) -> FakeFile:
        """A file a user attached to a command option (served by the fake like Discord's CDN)."""
        return self.store_file(filename, data, content_type)

    def store_file(self, filename: str, data: bytes, content_type: str | None) -> FakeFile:
        file = FakeFile(snowflake(), filename, data, content_type)
        file.url = f"{self.base_url}/attachments/{file.id}/{filename}"
        self.files[file.id] = file
        return file

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        for channel in self.channels.values():
            if (
                channel.type == 1
                and channel.recipient is not None
                and channel.recipient.id == user.id
            ):
                return channel
        channel = FakeChannel(snowflake(), "", None, type=1, recipient=user)
        self.channels[channel.id] = channel
        return channel

    # ---- reading it ----------------------------------------------------------------------------
    def commands(self, guild: FakeGuild | int | None = None) -> list[JSON]:
        """The commands the bot synced in that scope (None = global), with their ids."""
        guild_id = guild.id if isinstance(guild, FakeGuild) else guild
        return self.command_store.in_scope(guild_id)

    def channel_messages(self, channel: FakeChannel) -> list[FakeMessage]:
        return [m for m in self.messages.values() if m.channel_id == channel.id and not m.deleted]

    @property
    def last_interaction(self) -> FakeInteraction:
        return list(self.interactions.values())[-1]

    def bot_user_payload(self) -> JSON:
        return {
            **self.bot_user.to_payload(),
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "locale": "en-US",
        }

    def bot_permissions_in(self, channel: FakeChannel) -> int:
        """What the bot may do in a channel (everything in a DM)."""
        if channel.guild_id is None:
            return discord.Permissions.all().value
        return self.guilds[channel.guild_id].member(self.bot_user).permissions_in(channel)

    # ---- changing it mid-test (the server tells the bot) ------------------------------------
    def remove_channel(self, channel: FakeChannel) -> None:
        """Forget a channel: later requests about it get 404 Unknown Channel."""
        if self.channels.pop(channel.id, None) is None:
            raise FakeDiscordError(f"channel {channel.name!r} does not exist (already deleted?)")
        if channel.guild_id is not None:
            guild = self.guilds[channel.guild_id]
            guild.channels = [c for c in guild.channels if c.id != channel.id]

    def change_overwrite(
        self, channel: FakeChannel, target: Grantee, *, allow: int = 0, deny: int = 0
    ) -> FakeOverwrite:
        """Allow and/or deny permissions for a role or member in one channel (its overwrite)."""
        if channel.guild_id is None:
            raise FakeDiscordError("a DM has no permission overwrites")
        if isinstance(target, FakeRole):
            target_id, kind = target.id, ROLE_OVERWRITE
        else:
            target_id = target.id
            self.guilds[channel.guild_id].member(target_id)  # raises if not a member
            kind = MEMBER_OVERWRITE
        overwrite = channel.overwrite(target_id)
        if overwrite is None:
            overwrite = FakeOverwrite(target_id, kind)
            channel.overwrites.append(overwrite)
        overwrite.allow = (overwrite.allow & ~deny) | allow
        overwrite.deny = (overwrite.deny & ~allow) | deny
        return overwrite

    def member_role(self, member: FakeMember) -> tuple[FakeRole, bool]:
        """A role only this member holds (the bot's own, `{name}-role`); True if made now."""
        for role in member.roles:
            if sum(role in m.roles for m in member.guild.members.values()) == 1:
                return role, False
        role = self.add_role(member.guild, f"{member.user.name}-role", 0)
        member.roles.append(role)
        return role, True

    def roles_granting(self, member: FakeMember, permissions: int) -> list[FakeRole]:
        """The member's roles that grant any of `permissions`; raises if @everyone grants them.

        Discord has no guild-wide deny for one member: what @everyone grants, only a channel
        overwrite (or changing @everyone for all) takes away.
        """
        if member.guild.everyone_role.permissions & permissions:
            raise FakeDiscordError(
                f"@everyone grants {discord.Permissions(permissions)!r} in {member.guild.name!r}: "
                "revoke it from guild.everyone_role, or in a channel"
            )
        return [r for r in member.roles if r.permissions & permissions]

    # ---- nonces (enforce_nonce) ------------------------------------------------------------
    def message_for_nonce(self, channel_id: int, author_id: int, nonce: str) -> FakeMessage | None:
        remembered = self._nonces.get((channel_id, author_id, nonce))
        if remembered is None:
            return None
        message, at = remembered
        if time.monotonic() - at > NONCE_MEMORY_SECONDS:
            del self._nonces[(channel_id, author_id, nonce)]
            return None
        return message

    def remember_nonce(self, message: FakeMessage) -> None:
        if message.nonce is not None:
            key = (message.channel_id, message.author.id, message.nonce)
            self._nonces[key] = (message, time.monotonic())
