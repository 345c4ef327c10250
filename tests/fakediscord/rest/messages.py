"""REST: messages in channels, and the message rules every message path shares.

A message POST needs View Channel (else 403 Missing Access, 50001) and Send Messages (and Attach
Files for files; else 403 Missing Permissions, 50013) in that channel, overwrites applied; in a
thread, Send Messages in Threads instead (and Manage Threads if it is locked), its parent's
overwrites applied; a forum or a category takes none (400, 50008). With
`nonce` and `enforce_nonce: true` (discord.py sends both on every `send()`), a nonce the bot
already used in that channel within the last few minutes returns that message instead of a new one.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import discord

from .. import limits
from ..models import (
    COMPONENTS_V2_FLAG,
    EPHEMERAL_FLAG,
    JSON,
    LOADING_FLAG,
    NO_MESSAGES_TYPES,
    FakeFile,
    FakeMessage,
    iso_now,
    snowflake,
)
from ..plumbing import Call, Endpoint, Reply

if TYPE_CHECKING:
    from ..server import FakeDiscord

# Flags Discord may set on messages the bot sends (suppress embeds, ephemeral, silent, v2).
SENDABLE_FLAGS = (1 << 2) | EPHEMERAL_FLAG | (1 << 12) | COMPONENTS_V2_FLAG
VIEW_CHANNEL = discord.Permissions(view_channel=True).value
NONCE_MAX_LENGTH = 25


def check_outgoing(
    fake: FakeDiscord, call: Call, body: JSON, prefix: tuple[str, ...], *, creating: bool
) -> Reply | None:
    """Discord's checks on a message body: file sizes, form limits, then emptiness."""
    too_big = limits.check_file_sizes([(f.filename, f.size) for f in call.files.values()])
    if too_big:
        return fake.refuse(
            call, "request_too_large", 413, 40005, "Request entity too large", too_big
        )
    errors = limits.check_message(body, prefix)
    if errors:
        return fake.refuse(call, "invalid_form_body", 400, 50035, "Invalid Form Body", errors)
    if creating and not (
        body.get("content")
        or body.get("embeds")
        or call.files
        or body.get("components")
        or body.get("poll")
        or body.get("sticker_ids")
    ):
        return fake.refuse(call, "empty_message", 400, 50006, "Cannot send an empty message")
    return None


def apply_body(
    message: FakeMessage, body: JSON, files: dict[int, FakeFile], *, creating: bool
) -> None:
    if "content" in body or creating:
        message.content = str(body.get("content") or "")
    if "embeds" in body or creating:
        message.embeds = list(body.get("embeds") or [])
    if "components" in body or creating:
        message.components = list(body.get("components") or [])
    if "flags" in body and body["flags"] is not None:
        keep = message.flags & EPHEMERAL_FLAG if not creating else 0
        message.flags = (int(body["flags"]) & SENDABLE_FLAGS) | keep
    entries = body.get("attachments")
    if entries is None:
        if creating or files:
            message.attachments = (message.attachments if not creating else []) + list(
                files.values()
            )
    else:
        existing = {f.id: f for f in message.attachments}
        kept: list[FakeFile] = []
        for entry in entries:
            key = int(entry.get("id"))
            if key in files:
                file = files[key]
                file.description = entry.get("description")
                kept.append(file)
            elif key in existing:
                kept.append(existing[key])
        message.attachments = kept
    if not creating:
        message.edits += 1
        message.edited_timestamp = iso_now()


def edit(fake: FakeDiscord, call: Call, message: FakeMessage, prefix: tuple[str, ...]) -> Reply:
    body: JSON = call.body or {}
    refused = check_outgoing(fake, call, body, prefix, creating=False)
    if refused:
        return refused
    edited = dataclasses.replace(message)  # refused edits must leave the message as it was
    apply_body(edited, body, call.files, creating=False)
    if not (edited.content or edited.embeds or edited.attachments or edited.components):
        return fake.refuse(call, "empty_message", 400, 50006, "Cannot send an empty message")
    apply_body(message, body, call.files, creating=False)
    message.flags &= ~LOADING_FLAG
    return Reply(200, message.to_payload())


async def post_channel_message(fake: FakeDiscord, call: Call) -> Reply:
    channel = fake.channels.get(int(call.param("channel_id")))
    if channel is None:
        return Reply.error(404, 10003, "Unknown Channel")
    body: JSON = call.body or {}
    have = fake.bot_permissions_in(channel)
    if have & VIEW_CHANNEL != VIEW_CHANNEL:
        return fake.refuse(call, "missing_access", 403, 50001, "Missing Access")
    if channel.type in NO_MESSAGES_TYPES:  # a forum takes posts only as threads
        return fake.refuse(
            call, "non_text_channel", 400, 50008, "Cannot send messages in a non-text channel"
        )
    # In a thread, Send Messages in Threads stands for Send Messages; a locked one needs
    # Manage Threads too.
    needed = discord.Permissions(
        send_messages=not channel.is_thread,
        send_messages_in_threads=channel.is_thread,
        manage_threads=channel.locked,
        attach_files=bool(call.files),
    ).value
    if have & needed != needed:
        return fake.refuse(call, "missing_permissions", 403, 50013, "Missing Permissions")
    refused = check_outgoing(fake, call, body, (), creating=True)
    if refused:
        return refused
    nonce = None if body.get("nonce") is None else str(body["nonce"])
    if nonce is not None and len(nonce) > NONCE_MAX_LENGTH:
        error = limits.FieldError(
            ("nonce",), "BASE_TYPE_MAX_LENGTH", f"Must be {NONCE_MAX_LENGTH} or fewer in length."
        )
        return fake.refuse(call, "invalid_form_body", 400, 50035, "Invalid Form Body", [error])
    if nonce is not None and body.get("enforce_nonce"):
        earlier = fake.message_for_nonce(channel.id, fake.bot_user.id, nonce)
        if earlier is not None and not earlier.deleted:
            return Reply(200, earlier.to_payload())
    message = FakeMessage(snowflake(), channel.id, channel.guild_id, fake.bot_user, nonce=nonce)
    apply_body(message, body, call.files, creating=True)
    fake.messages[message.id] = message
    fake.remember_nonce(message)
    return Reply(200, message.to_payload())


def _channel_message(fake: FakeDiscord, call: Call) -> FakeMessage | Reply:
    channel_id = int(call.param("channel_id"))
    if channel_id not in fake.channels:
        return Reply.error(404, 10003, "Unknown Channel")
    message = fake.messages.get(int(call.param("message_id")))
    if message is None or message.deleted or message.channel_id != channel_id:
        return Reply.error(404, 10008, "Unknown Message")
    return message


async def get_channel_message(fake: FakeDiscord, call: Call) -> Reply:
    message = _channel_message(fake, call)
    return message if isinstance(message, Reply) else Reply(200, message.to_payload())


async def patch_channel_message(fake: FakeDiscord, call: Call) -> Reply:
    message = _channel_message(fake, call)
    if isinstance(message, Reply):
        return message
    if message.ephemeral:
        return Reply.error(404, 10008, "Unknown Message")
    if message.author.id != fake.bot_user.id:
        return fake.refuse(
            call,
            "edit_foreign_message",
            403,
            50005,
            "Cannot edit a message authored by another user",
        )
    return edit(fake, call, message, ())


async def delete_channel_message(fake: FakeDiscord, call: Call) -> Reply:
    message = _channel_message(fake, call)
    if isinstance(message, Reply):
        return message
    if message.ephemeral:
        return Reply.error(404, 10008, "Unknown Message")
    message.deleted = True
    return Reply(204)


_MESSAGE = "/channels/{channel_id}/messages/{message_id}"
ENDPOINTS = [
    Endpoint("POST", "/channels/{channel_id}/messages", post_channel_message),
    Endpoint("GET", _MESSAGE, get_channel_message),
    Endpoint("PATCH", _MESSAGE, patch_channel_message),
    Endpoint("DELETE", _MESSAGE, delete_channel_message),
]
