"""One interaction the fake sent to the bot, and everything the bot did with its token."""

# Waits take a `timeout` so a failure can say what never arrived (asyncio.timeout cannot).
# ruff: noqa: ASYNC109

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .models import EPHEMERAL_FLAG, JSON, FakeFile, FakeMessage, RecordedRequest
from .waiting import DEADLINE, Waiters

T = TypeVar("T")

# Interaction types (what the fake sends)
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
# Callback types (what the bot answers)
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9

ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE,
        UPDATE_MESSAGE,
        MODAL,
    },
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE},
}


@dataclass
class CallbackRecord:
    """A POST /interactions/{id}/{token}/callback, accepted or not."""

    type: int
    data: JSON
    files: list[FakeFile]
    at: float  # time.monotonic() on arrival
    status: int = 0
    error: JSON | None = None

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL_FLAG)

    @property
    def content(self) -> str:
        return str(self.data.get("content") or "")

    @property
    def embeds(self) -> list[JSON]:
        return list(self.data.get("embeds") or [])

    @property
    def choices(self) -> list[JSON]:
        return list(self.data.get("choices") or [])


@dataclass
class FakeInteraction:
    id: int
    token: str
    type: int
    payload: JSON
    label: str  # "/settings target" or "button:custom_id", for messages
    dispatched_at: float = 0.0
    callbacks: list[CallbackRecord] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    original: FakeMessage | None = None  # @original: the response message, or the clicked message
    followups: list[FakeMessage] = field(default_factory=list)
    acknowledged: CallbackRecord | None = None
    original_edits_at_ack: int = 0
    _waiters: Waiters = field(default_factory=Waiters, repr=False)

    # ---- what tests read -------------------------------------------------------------------
    @property
    def latency(self) -> float | None:
        """Seconds from dispatch on the gateway to the first callback reaching the fake."""
        if not self.callbacks:
            return None
        return self.callbacks[0].at - self.dispatched_at

    @property
    def message(self) -> FakeMessage | None:
        """What the user sees: @original once it holds a real message, else the last follow-up."""
        if self.original is not None and not self.original.loading:
            return self.original
        return self.followups[-1] if self.followups else self.original

    @property
    def ephemeral(self) -> bool:
        message = self.message
        if message is not None:
            return message.ephemeral
        return self.acknowledged.ephemeral if self.acknowledged else False

    @property
    def content(self) -> str:
        return self.message.content if self.message else ""

    @property
    def embeds(self) -> list[JSON]:
        return self.message.embeds if self.message else []

    @property
    def files(self) -> list[FakeFile]:
        """Every file the bot sent for this interaction (original and follow-ups)."""
        found: list[FakeFile] = []
        for message in ([self.original] if self.original else []) + self.followups:
            found += [f for f in message.attachments if f not in found]
        return found

    @property
    def modal(self) -> JSON | None:
        """The modal the bot opened (callback type 9), if any."""
        if self.acknowledged and self.acknowledged.type == MODAL:
            return self.acknowledged.data
        return None

    async def response(self, timeout: float = DEADLINE) -> CallbackRecord:
        """The first callback the bot sent (whether Discord accepted it or not)."""
        await self._wait(
            lambda: bool(self.callbacks), timeout, "no interaction response (callback)"
        )
        return self.callbacks[0]

    async def final_message(self, timeout: float = DEADLINE) -> FakeMessage:
        """The message the user ends up with: the reply, or after a defer the follow-up/edit."""
        first = await self.response(timeout)
        if not first.accepted:
            raise AssertionError(
                f"{self.label}: Discord refused the response: {first.status} {first.error}"
            )

        def settled() -> FakeMessage | None:
            kind = first.type
            if kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
                return self.original
            if kind == DEFERRED_CHANNEL_MESSAGE:
                if self.original is not None and not self.original.loading:
                    return self.original
                return self.followups[0] if self.followups else None
            if kind == DEFERRED_UPDATE:
                if self.original is not None and self.original.edits > self.original_edits_at_ack:
                    return self.original
                return self.followups[0] if self.followups else None
            raise AssertionError(f"{self.label}: response type {kind} leaves no message")

        message = await self._wait(settled, timeout, "the deferred reply never arrived")
        return message

    async def followup(self, index: int = 0, timeout: float = DEADLINE) -> FakeMessage:
        """The index-th follow-up message (POST /webhooks/{app}/{token}) once it exists."""
        await self._wait(lambda: len(self.followups) > index, timeout, f"no follow-up #{index}")
        return self.followups[index]

    # ---- the fake's side ---------------------------------------------------------------------
    def notify(self) -> None:
        self._waiters.notify()

    async def _wait(self, found: Callable[[], T | None], timeout: float, what: str) -> T:
        failure = f"{self.label}: {what} within {timeout} s. {self.describe()}"
        return await self._waiters.until(found, timeout, failure)

    def describe(self) -> str:
        calls = ", ".join(f"{r.method} {r.path} -> {r.status}" for r in self.requests) or "none"
        return f"REST calls with this interaction's token: {calls}"


def make_interaction_payload(
    *,
    interaction_id: int,
    token: str,
    kind: int,
    application_id: int,
    data: JSON,
    context: JSON,
    message: FakeMessage | None = None,
) -> JSON:
    payload: JSON = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": kind,
        "data": data,
        "token": token,
        "version": 1,
        "entitlements": [],
        "attachment_size_limit": 25 * 1024 * 1024,
        **context,
    }
    if message is not None:
        payload["message"] = message.to_payload()
    return payload


def short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
