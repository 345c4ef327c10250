"""The fake's world: users, guilds, channels, messages and what it recorded.

Everything here renders itself as the JSON Discord would send, so discord.py parses it for real.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord

# Discord's epoch; ids made from it sort by creation time like real snowflakes.
_DISCORD_EPOCH_MS = 1420070400000
_counter = itertools.count(1)

JSON = dict[str, Any]

# What a new guild's @everyone role may do (a reasonable subset of Discord's default).
DEFAULT_EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    read_message_history=True,
    use_application_commands=True,
    use_external_emojis=True,
    change_nickname=True,
    connect=True,
    speak=True,
)

# What the bot may do in a guild unless a test says otherwise.
DEFAULT_BOT_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    use_application_commands=True,
    add_reactions=True,
)


def snowflake() -> int:
    """A fresh id, unique in this process and increasing."""
    now_ms = int(time.time() * 1000) - _DISCORD_EPOCH_MS
    return (now_ms << 22) | (next(_counter) & 0x3FFFFF)


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


def permissions_value(value: discord.Permissions | int) -> int:
    return value.value if isinstance(value, discord.Permissions) else int(value)


@dataclass
class FakeUser:
    id: int
    name: str
    global_name: str | None = None
    bot: bool = False

    def to_payload(self) -> JSON:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int
    position: int = 0

    def to_payload(self) -> JSON:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


ROLE_OVERWRITE, MEMBER_OVERWRITE = 0, 1


@dataclass
class FakeOverwrite:
    """A channel's permission overwrite for one role (type 0) or one member (type 1)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0

    def to_payload(self) -> JSON:
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


#: Channel types of threads: announcement, public, private (a forum's posts are public threads).
THREAD_TYPES = frozenset({10, 11, 12})
#: Channel types that take no messages of their own: category, forum, media.
NO_MESSAGES_TYPES = frozenset({4, 15, 16})


@dataclass
class FakeChannel:
    id: int
    name: str
    guild_id: int | None
    type: int = 0  # 0 text, 1 DM, 2 voice, 4 category, 5 news, 11 public thread, 15 forum
    position: int = 0
    recipient: FakeUser | None = None  # for DMs
    #: A thread's overwrites are its parent's own list: Discord takes a thread's permissions
    #: from its parent channel, so a change there applies to its threads as well.
    overwrites: list[FakeOverwrite] = field(default_factory=list)
    #: A thread's channel (a text or forum channel); None for any other channel.
    parent_id: int | None = None
    #: A locked thread takes posts only from those who may Manage Threads.
    locked: bool = False

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    def overwrite(self, target_id: int) -> FakeOverwrite | None:
        return next((o for o in self.overwrites if o.id == target_id), None)

    def to_payload(self) -> JSON:
        payload: JSON = {"id": str(self.id), "type": self.type, "name": self.name}
        if self.is_thread:
            assert self.guild_id is not None and self.parent_id is not None
            payload.update(
                guild_id=str(self.guild_id),
                parent_id=str(self.parent_id),
                owner_id=str(self.guild_id),  # any member's id will do
                last_message_id=None,
                rate_limit_per_user=0,
                message_count=0,
                member_count=1,
                flags=0,
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": iso_now(),
                    "locked": self.locked,
                },
            )
        elif self.guild_id is not None:
            payload.update(
                guild_id=str(self.guild_id),
                position=self.position,
                permission_overwrites=[o.to_payload() for o in self.overwrites],
                parent_id=None,
                nsfw=False,
                topic=None,
                rate_limit_per_user=0,
                last_message_id=None,
                flags=0,
            )
        else:
            payload["recipients"] = [self.recipient.to_payload()] if self.recipient else []
            payload["last_message_id"] = None
            payload["flags"] = 0
        return payload

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"


@dataclass
class FakeMember:
    guild: FakeGuild
    user: FakeUser
    roles: list[FakeRole] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def permissions(self) -> int:
        """Guild-level permissions as Discord computes them (owner and administrator see all)."""
        everything = discord.Permissions.all().value
        if self.user.id == self.guild.owner_id:
            return everything
        value = self.guild.everyone_role.permissions
        for role in self.roles:
            value |= role.permissions
        if value & discord.Permissions(administrator=True).value:
            return everything
        return value

    def permissions_in(self, channel: FakeChannel) -> int:
        """Permissions in one channel, overwrites applied in Discord's order.

        @everyone's overwrite, then every role's (denies before allows), then the member's own.
        """
        value = self.permissions
        if value == discord.Permissions.all().value:
            return value  # the owner and administrators ignore overwrites
        everyone = channel.overwrite(self.guild.id)
        if everyone is not None:
            value = (value & ~everyone.deny) | everyone.allow
        role_ids = {role.id for role in self.roles}
        allow = deny = 0
        for overwrite in channel.overwrites:
            if overwrite.type == ROLE_OVERWRITE and overwrite.id in role_ids:
                allow, deny = allow | overwrite.allow, deny | overwrite.deny
        value = (value & ~deny) | allow
        own = channel.overwrite(self.id)
        if own is not None and own.type == MEMBER_OVERWRITE:
            value = (value & ~own.deny) | own.allow
        return value

    def to_payload(self, *, with_permissions: bool = False) -> JSON:
        payload: JSON = {
            "user": self.user.to_payload(),
            "roles": [str(role.id) for role in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_permissions:
            payload["permissions"] = str(self.permissions)
        return payload


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    everyone_role: FakeRole
    roles: list[FakeRole] = field(default_factory=list)
    channels: list[FakeChannel] = field(default_factory=list)
    members: dict[int, FakeMember] = field(default_factory=dict)
    locale: str = "en-US"
    #: Where Discord posts join notices (and bots often greet); None = the server has none.
    system_channel_id: int | None = None

    def channel(self, name: str) -> FakeChannel:
        for channel in self.channels:
            if channel.name == name:
                return channel
        raise KeyError(f"guild {self.name!r} has no channel {name!r}")

    @property
    def text_channel(self) -> FakeChannel:
        """The first text channel: where interactions happen unless a test names another."""
        for channel in self.channels:
            if channel.type == 0:
                return channel
        raise KeyError(f"guild {self.name!r} has no text channel")

    def member(self, user: FakeUser | int) -> FakeMember:
        user_id = user if isinstance(user, int) else user.id
        try:
            return self.members[user_id]
        except KeyError:
            raise KeyError(f"user {user_id} is not a member of guild {self.name!r}") from None

    def to_payload(self) -> JSON:
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "region": "europe",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [self.everyone_role.to_payload()] + [r.to_payload() for r in self.roles],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None
            if self.system_channel_id is None
            else str(self.system_channel_id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": iso_now(),
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "members": [m.to_payload() for m in self.members.values()],
            "channels": [c.to_payload() for c in self.channels if not c.is_thread],
            "threads": [c.to_payload() for c in self.channels if c.is_thread],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


@dataclass
class FakeFile:
    """A file that went through the fake: an upload by the bot or by a test user."""

    id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None
    url: str = ""

    @property
    def size(self) -> int:
        return len(self.data)

    def to_payload(self) -> JSON:
        payload: JSON = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
        }
        if self.content_type:
            payload["content_type"] = self.content_type
        if self.description is not None:
            payload["description"] = self.description
        return payload


EPHEMERAL_FLAG = 1 << 6
LOADING_FLAG = 1 << 7
COMPONENTS_V2_FLAG = 1 << 15


@dataclass
class FakeMessage:
    """A message as the fake holds it now (edits update it in place)."""

    id: int
    channel_id: int
    guild_id: int | None
    author: FakeUser
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[FakeFile] = field(default_factory=list)
    flags: int = 0
    application_id: int | None = None
    interaction_id: int | None = None
    interaction_type: int | None = None
    interaction_user: FakeUser | None = None
    edits: int = 0
    deleted: bool = False
    nonce: str | None = None
    timestamp: str = field(default_factory=iso_now)
    edited_timestamp: str | None = None

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL_FLAG)

    @property
    def loading(self) -> bool:
        """True while this is a deferred "thinking…" placeholder."""
        return bool(self.flags & LOADING_FLAG)

    @property
    def files(self) -> list[FakeFile]:
        return self.attachments

    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in walk_components(self.components) if "custom_id" in c]

    def component(self, custom_id: str) -> JSON:
        for component in walk_components(self.components):
            if component.get("custom_id") == custom_id:
                return component
        raise KeyError(f"message {self.id} has no component {custom_id!r}; has {self.custom_ids()}")

    def to_payload(self) -> JSON:
        payload: JSON = {
            "id": str(self.id),
            "type": 20 if self.interaction_id and self.interaction_type == 2 else 0,
            "channel_id": str(self.channel_id),
            "author": self.author.to_payload(),
            "content": self.content,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [a.to_payload() for a in self.attachments],
            "embeds": self.embeds,
            "components": self.components,
            "pinned": False,
            "flags": self.flags,
        }
        if self.nonce is not None:
            payload["nonce"] = self.nonce
        if self.guild_id is not None:
            payload["guild_id"] = str(self.guild_id)
        if self.application_id is not None:
            payload["application_id"] = str(self.application_id)
            payload["webhook_id"] = str(self.application_id)
        if self.interaction_id is not None and self.interaction_user is not None:
            payload["interaction_metadata"] = {
                "id": str(self.interaction_id),
                "type": self.interaction_type or 2,
                "user": self.interaction_user.to_payload(),
                "authorizing_integration_owners": {},
            }
        return payload


def walk_components(components: list[JSON]) -> list[JSON]:
    """Every component, depth first, whatever the nesting (action rows, containers, sections)."""
    found: list[JSON] = []
    for component in components:
        if not isinstance(component, dict):
            continue
        found.append(component)
        for key in ("components", "accessory", "component"):
            child = component.get(key)
            if isinstance(child, list):
                found.extend(walk_components(child))
            elif isinstance(child, dict):
                found.extend(walk_components([child]))
    return found


@dataclass
class RecordedRequest:
    """One REST call the bot made, as the fake received it."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[FakeFile]
    at: float  # time.monotonic() when it arrived
    status: int = 0
    response: Any = None
    interaction_token: str | None = None
    # Why the fake refused it before any handler ran: "injected" (fake.fail_next),
    # "rate_limit" (a route bucket was empty) or "global_rate_limit"; None for the rest.
    fault: str | None = None
    response_headers: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        fault = f" ({self.fault})" if self.fault else ""
        return f"<{self.method} {self.path} -> {self.status}{fault}>"


@dataclass
class Violation:
    """A rule of Discord's the bot broke (Discord would have refused or misbehaved)."""

    kind: str  # e.g. "late_response", "already_acknowledged", "invalid_form_body"
    message: str
    method: str = ""
    path: str = ""
    detail: Any = None

    def __str__(self) -> str:
        where = f" ({self.method} {self.path})" if self.path else ""
        return f"{self.kind}: {self.message}{where}"


class FakeDiscordError(AssertionError):
    """A test asked the fake for something real Discord could not produce (unknown command, …)."""
