"""REST: answering interactions — the callback, follow-ups, and @original, by interaction token.

These routes are authorised by the token in the path, not the bot token, and (as on Discord) do
not count against the bot's global rate limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import limits
from ..interactions import (
    ALLOWED_CALLBACKS,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    MODAL,
    UPDATE_MESSAGE,
    CallbackRecord,
    FakeInteraction,
)
from ..models import EPHEMERAL_FLAG, JSON, LOADING_FLAG, FakeMessage, snowflake
from ..plumbing import Call, Endpoint, Reply
from .messages import SENDABLE_FLAGS, apply_body, check_outgoing, edit

if TYPE_CHECKING:
    from ..server import FakeDiscord


def _interaction_message(
    fake: FakeDiscord, interaction: FakeInteraction, flags: int
) -> FakeMessage:
    payload = interaction.payload
    user_payload = (payload.get("member") or payload)["user"]
    message = FakeMessage(
        snowflake(),
        int(payload["channel_id"]),
        int(payload["guild_id"]) if payload.get("guild_id") else None,
        fake.bot_user,
        flags=flags,
        application_id=fake.application_id,
        interaction_id=interaction.id,
        interaction_type=interaction.type,
        interaction_user=fake.users.get(int(user_payload["id"])),
    )
    fake.messages[message.id] = message
    return message


# ---- the callback ----------------------------------------------------------------------------
async def callback(fake: FakeDiscord, call: Call) -> Reply:
    interaction = fake.interactions.get(call.param("token"))
    if interaction is None or str(interaction.id) != call.param("interaction_id"):
        return fake.refuse(call, "unknown_interaction", 404, 10062, "Unknown interaction")
    body: JSON = call.body or {}
    kind = int(body.get("type", 0))
    data: JSON = body.get("data") or {}
    record = CallbackRecord(kind, data, list(call.files.values()), call.record.at)
    interaction.callbacks.append(record)
    reply = _answer_callback(fake, call, interaction, record)
    record.status = reply.status
    if reply.status >= 300:
        record.error = reply.body
    return reply


def _answer_callback(
    fake: FakeDiscord, call: Call, interaction: FakeInteraction, record: CallbackRecord
) -> Reply:
    age = record.at - interaction.dispatched_at
    if interaction.acknowledged is not None:
        return fake.refuse(
            call,
            "already_acknowledged",
            400,
            40060,
            "Interaction has already been acknowledged.",
        )
    if age > fake.response_deadline:
        late = f"{interaction.label} answered after {age:.2f} s"
        fake.violate(call, "late_response", f"{late} (limit {fake.response_deadline} s)", age)
        return Reply.error(404, 10062, "Unknown interaction")
    if record.type not in ALLOWED_CALLBACKS[interaction.type]:
        error = limits.FieldError(
            ("type",), "BASE_TYPE_CHOICES", f"Value {record.type} is not valid here."
        )
        return fake.refuse(call, "invalid_callback_type", 400, 50035, "Invalid Form Body", [error])

    data = record.data
    if record.type in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
        refused = check_outgoing(
            fake, call, data, ("data",), creating=record.type == CHANNEL_MESSAGE
        )
        if refused:
            return refused
    elif record.type == AUTOCOMPLETE_RESULT:
        errors = limits.check_choices(data.get("choices"), _focused_type(interaction.payload))
        if errors:
            return fake.refuse(call, "invalid_form_body", 400, 50035, "Invalid Form Body", errors)
    elif record.type == MODAL:
        errors = limits.check_modal(data)
        if errors:
            return fake.refuse(call, "invalid_form_body", 400, 50035, "Invalid Form Body", errors)

    interaction.acknowledged = record
    flags = int(data.get("flags") or 0)
    if record.type == CHANNEL_MESSAGE:
        message = _interaction_message(fake, interaction, flags & SENDABLE_FLAGS)
        apply_body(message, data, call.files, creating=True)
        interaction.original = message
    elif record.type == DEFERRED_CHANNEL_MESSAGE:
        interaction.original = _interaction_message(
            fake, interaction, LOADING_FLAG | (flags & EPHEMERAL_FLAG)
        )
    elif record.type == UPDATE_MESSAGE and interaction.original is not None:
        apply_body(interaction.original, data, call.files, creating=False)
    if interaction.original is not None:
        interaction.original_edits_at_ack = interaction.original.edits

    if call.record.query.get("with_response") not in ("1", "true", "True"):
        return Reply(204)
    original = interaction.original if record.type in (4, 5, 7) else None
    summary: JSON = {
        "id": str(interaction.id),
        "type": interaction.type,
        "activity_instance_id": None,
        "response_message_loading": record.type == DEFERRED_CHANNEL_MESSAGE,
        "response_message_ephemeral": bool(original and original.ephemeral),
    }
    resource: JSON = {"type": record.type}
    if original is not None:
        summary["response_message_id"] = str(original.id)
        resource["message"] = original.to_payload()
    return Reply(200, {"interaction": summary, "resource": resource})


def _focused_type(payload: JSON) -> int | None:
    options = payload.get("data", {}).get("options", [])
    while options:
        focused = next((o for o in options if o.get("focused")), None)
        if focused is not None:
            return int(focused["type"])
        nested = next((o for o in options if o.get("type") in (1, 2)), None)
        options = nested.get("options", []) if nested else []
    return None


# ---- follow-ups and @original ----------------------------------------------------------------
def _token_interaction(fake: FakeDiscord, call: Call) -> FakeInteraction | Reply:
    interaction = fake.interactions.get(call.param("token"))
    if int(call.param("app_id")) != fake.application_id or interaction is None:
        return fake.refuse(call, "unknown_webhook", 404, 10015, "Unknown Webhook")
    if interaction.acknowledged is None:
        return fake.refuse(
            call,
            "not_acknowledged",
            404,
            10015,
            f"Unknown Webhook ({interaction.label} not answered yet)",
        )
    return interaction


async def post_followup(fake: FakeDiscord, call: Call) -> Reply:
    interaction = _token_interaction(fake, call)
    if isinstance(interaction, Reply):
        return interaction
    body: JSON = call.body or {}
    refused = check_outgoing(fake, call, body, (), creating=True)
    if refused:
        return refused
    original = interaction.original
    if (
        interaction.acknowledged
        and interaction.acknowledged.type == DEFERRED_CHANNEL_MESSAGE
        and original
        and original.loading
    ):
        # Discord's rule: the first follow-up after a defer replaces the "thinking…" message,
        # keeping the defer's ephemerality whatever this body asks.
        apply_body(original, body, call.files, creating=False)
        original.flags &= ~LOADING_FLAG
        message = original
    else:
        message = _interaction_message(
            fake, interaction, int(body.get("flags") or 0) & SENDABLE_FLAGS
        )
        apply_body(message, body, call.files, creating=True)
    interaction.followups.append(message)
    if call.record.query.get("wait") in ("true", "1", "True"):
        return Reply(200, message.to_payload())
    return Reply(204)


def _webhook_message(call: Call, interaction: FakeInteraction) -> FakeMessage | None:
    message_id = call.param("message_id")
    if message_id == "@original":
        return interaction.original
    wanted = int(message_id)
    candidates = ([interaction.original] if interaction.original else []) + interaction.followups
    return next((m for m in candidates if m.id == wanted and not m.deleted), None)


async def get_webhook_message(fake: FakeDiscord, call: Call) -> Reply:
    interaction = _token_interaction(fake, call)
    if isinstance(interaction, Reply):
        return interaction
    message = _webhook_message(call, interaction)
    return (
        Reply(200, message.to_payload()) if message else Reply.error(404, 10008, "Unknown Message")
    )


async def patch_webhook_message(fake: FakeDiscord, call: Call) -> Reply:
    interaction = _token_interaction(fake, call)
    if isinstance(interaction, Reply):
        return interaction
    message = _webhook_message(call, interaction)
    if message is None or message.deleted:
        return fake.refuse(call, "unknown_message", 404, 10008, "Unknown Message")
    return edit(fake, call, message, ())


async def delete_webhook_message(fake: FakeDiscord, call: Call) -> Reply:
    interaction = _token_interaction(fake, call)
    if isinstance(interaction, Reply):
        return interaction
    message = _webhook_message(call, interaction)
    if message is None or message.deleted:
        return Reply.error(404, 10008, "Unknown Message")
    message.deleted = True
    return Reply(204)


_WEBHOOK_MESSAGE = "/webhooks/{app_id}/{token}/messages/{message_id}"
ENDPOINTS = [
    Endpoint("POST", "/interactions/{interaction_id}/{token}/callback", callback, bot_token=False),
    Endpoint("POST", "/webhooks/{app_id}/{token}", post_followup, bot_token=False),
    Endpoint("GET", _WEBHOOK_MESSAGE, get_webhook_message, bot_token=False),
    Endpoint("PATCH", _WEBHOOK_MESSAGE, patch_webhook_message, bot_token=False),
    Endpoint("DELETE", _WEBHOOK_MESSAGE, delete_webhook_message, bot_token=False),
]
