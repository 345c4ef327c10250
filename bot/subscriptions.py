"""Scheduled posts (subscriptions): the model, what a post shows, and the errors a user meets.

Pure: the SQL that stores them is ``db/subscriptions.py``; the renderers and the cogs import
this module, so showing a subscription never loads the database driver.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.errors import UserFacingError
from bot.models import FrozenModel
from bot.schedule import Schedule

#: Subscriptions one server may hold.
MAX_PER_GUILD = 10


class Content(StrEnum):
    """What a scheduled post shows."""

    #: The /summary embed: who meets the target and who doesn't.
    SUMMARY = "summary"
    #: The share ranking, first page.
    RANKING = "ranking"
    #: The allies below the target, each with its gap.
    GAPS = "gaps"


class State(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"


class UnknownSubscription(UserFacingError):
    def __init__(self, subscription_id: int) -> None:
        super().__init__(
            f"There is no subscription #{subscription_id} in this server; "
            "`/updates list` shows its ids."
        )


class SubscriptionLimitReached(UserFacingError):
    def __init__(self, limit: int = MAX_PER_GUILD) -> None:
        super().__init__(
            f"This server already has {limit} scheduled posts, the most it can have. "
            "Remove one with `/updates unsubscribe` first."
        )


class Subscription(FrozenModel):
    """One channel's scheduled post, as stored."""

    id: int
    guild_id: int
    channel_id: int
    schedule: Schedule
    #: % of GDP; None = the server's default target when posting.
    target: float | None
    content: Content
    created_by: int
    created_at: datetime
    #: The next scheduled run; None for on-new-data.
    next_run_at: datetime | None
    #: A claimed run (or notice version) not yet recorded as posted, and since when.
    pending_run_at: datetime | None
    pending_version_id: int | None
    pending_since: datetime | None
    last_run_at: datetime | None
    last_posted_at: datetime | None
    last_message_id: int | None
    last_notified_version_id: int | None
    state: State
    paused_reason: str | None
    #: Timed posts: skip a run (still advancing and recording it) while the active dataset
    #: version is the one the last post showed.
    only_on_change: bool = False
    #: The thread posts go to (``channel_id`` is then its parent); None = the channel itself.
    thread_id: int | None = None
    #: The dataset version the last timed post showed.
    last_shown_version_id: int | None = None

    @property
    def destination_id(self) -> int:
        """Where the posts go: the thread, else the channel."""
        return self.thread_id if self.thread_id is not None else self.channel_id

    @property
    def is_pending(self) -> bool:
        return self.pending_run_at is not None or self.pending_version_id is not None
