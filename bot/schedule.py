"""When a scheduled post is due, and what to do after downtime: pure arithmetic, clock passed in.

A subscription row stores its ``Schedule`` and one instant, ``next_run_at``. Each tick the
poster asks ``is_due(next_run_at, now)``; for a due row ``advance`` says which run the post
belongs to (``run_nonce`` turns that into Discord's nonce, so a retry after a crash is dropped by
Discord instead of posted twice) and the new ``next_run_at``.

Rules kept here, in one place:
- every instant is timezone-aware; naive datetimes are refused (``NaiveDatetime``), aware ones
  in another zone are converted to UTC. Schedules are in UTC, so there is no daylight saving.
- a run's *period* is the time from that run to the schedule's next one: 24 h (daily),
  7 days (weekly), or from the run to the same day of the next month, 28–31 days (monthly).
- catch-up: a due row posts ONCE, for the latest scheduled run at or before ``now`` (so that run
  is always less than one period late), and the next run is the first scheduled instant strictly
  after ``now``. Downtime of any length therefore yields exactly one post, never one per missed
  period, and never none.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, ValidationError, field_serializer, model_validator

from bot.errors import UserFacingError, echo
from bot.models import FrozenModel

UTC = dt.UTC

#: The time of day a timed subscription posts at when none is given.
DEFAULT_TIME = dt.time(9, 0)
#: The day of month a monthly subscription posts on when none is given.
DEFAULT_DAY = 1
#: The last day of month a monthly subscription may use: every month has a 28th.
MAX_DAY = 28
#: Discord accepts a message nonce of at most this many characters.
NONCE_MAX_LENGTH = 25

_TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")  # ASCII digits only
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
#: Ids a notice nonce can hold: "s" + 11 digits + "v" + 11 digits = 24 characters.
_NOTICE_ID_LIMIT = 36**11


class Cadence(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    #: Posts when a new dataset version becomes active, not on a clock.
    ON_NEW_DATA = "on-new-data"


class Weekday(StrEnum):
    """Days by name (what a slash-command choice shows); ``number``: 0 = Monday, as in Python."""

    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def number(self) -> int:
        return list(Weekday).index(self)

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ScheduleError(UserFacingError, ValueError):
    """A schedule that cannot exist; the message says what is allowed."""


class NaiveDatetime(ValueError):
    """A datetime without a time zone: ambiguous, so refused."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} must be timezone-aware (UTC); got a naive datetime")


class NotDue(ValueError):
    """``advance`` was asked about a run that is not due yet."""


def parse_time(text: str) -> dt.time:
    """``HH:MM`` or ``H:MM``, 24-hour, 00:00–23:59 (UTC) -> a time. Anything else is refused."""
    match = _TIME.match(text.strip())
    if match is None:
        raise ScheduleError(
            f"Time must be HH:MM (UTC, 00:00 to 23:59, e.g. 09:30); got “{echo(text)}”."
        )
    return dt.time(int(match.group(1)), int(match.group(2)))


def format_time(value: dt.time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def _weekday(value: object) -> Weekday:
    days = list(Weekday)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(days):
        return days[value]
    if isinstance(value, str) and value.strip().lower() in set(Weekday):
        return Weekday(value.strip().lower())
    names = ", ".join(w.label for w in Weekday)
    raise ScheduleError(f"Weekday must be one of {names} (or 0 = Monday to 6).")


class Schedule(FrozenModel):
    """When a subscription posts. ``build_schedule`` makes one from command options.

    ``weekday`` belongs to weekly schedules only and defaults to Monday there; ``day`` belongs
    to monthly schedules only, 1–28, and defaults to 1. ``time`` (UTC, to the minute, default
    09:00) belongs to the timed cadences; an ``on-new-data`` schedule keeps the default.
    Strings are accepted for every field (``"9:30"``, ``"Monday"``) as a command would pass them,
    and a weekday as 0 (Monday) to 6. Invalid input raises pydantic's ``ValidationError`` here,
    ``ScheduleError`` (with the same message) from ``build_schedule``.
    """

    cadence: Cadence
    time: dt.time = DEFAULT_TIME
    weekday: Weekday | None = None
    day: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _fill_and_check(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        values = dict(data)
        try:
            cadence = Cadence(str(values.get("cadence")))
        except (TypeError, ValueError):
            names = ", ".join(c.value for c in Cadence)
            raise ScheduleError(f"Cadence must be one of {names}.") from None
        time = values.get("time")
        if isinstance(time, str):
            values["time"] = time = parse_time(time)
        if time is None:
            values.pop("time", None)
        elif isinstance(time, dt.time):
            if (time.second, time.microsecond) != (0, 0) or time.tzinfo is not None:
                raise ScheduleError("Time must be a whole minute in UTC, HH:MM.")
            if cadence is Cadence.ON_NEW_DATA and time != DEFAULT_TIME:
                raise ScheduleError(
                    "A time applies to daily, weekly and monthly posts, not on-new-data."
                )
        weekday = values.get("weekday")
        if weekday is not None and not isinstance(weekday, Weekday):
            values["weekday"] = weekday = _weekday(weekday)
        if cadence is Cadence.WEEKLY:
            values["weekday"] = weekday or Weekday.MONDAY
        elif weekday is not None:
            raise ScheduleError("A weekday applies to weekly posts only.")
        day = values.get("day")
        if cadence is Cadence.MONTHLY:
            day = DEFAULT_DAY if day is None else day
            if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= MAX_DAY:
                raise ScheduleError(
                    f"Day must be 1 to {MAX_DAY} (every month has it); got {day!r}."
                )
            values["day"] = day
        elif day is not None:
            raise ScheduleError("A day of the month applies to monthly posts only.")
        return values

    @field_serializer("time", when_used="json")
    def _time_as_text(self, value: dt.time) -> str:
        return format_time(value)  # "09:30", which parse_time reads back

    @property
    def is_timed(self) -> bool:
        return self.cadence is not Cadence.ON_NEW_DATA


def build_schedule(
    cadence: str,
    *,
    time: str | dt.time | None = None,
    weekday: str | int | None = None,
    day: int | None = None,
) -> Schedule:
    """A ``Schedule`` from command options (None = not given); any problem is a ``ScheduleError``.

    Constructing ``Schedule`` directly raises pydantic's ``ValidationError`` wrapping the same
    messages; this is the form a command's error handler can show as it is.
    """
    try:
        return Schedule.model_validate(
            {"cadence": cadence, "time": time, "weekday": weekday, "day": day}
        )
    except ValidationError as exc:
        raise ScheduleError(" ".join(_messages(exc))) from None


def _messages(exc: ValidationError) -> list[str]:
    messages = []
    for error in exc.errors():
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, ScheduleError):
            messages.append(str(cause))
        else:
            where = ".".join(str(part) for part in error["loc"])
            messages.append(f"{where}: {error['msg']}.")
    return messages


class Claim(FrozenModel):
    """What ``advance`` decided for a due run: post once for ``run_at``, then wait for the next."""

    #: The scheduled instant the post belongs to (the nonce is derived from it): the latest
    #: run at or before ``now``, never before the row's stored ``next_run_at``.
    run_at: AwareDatetime
    #: How late the run is being handled (``now - run_at``): less than one period.
    late_by: dt.timedelta
    #: Runs skipped between the stored ``next_run_at`` and ``run_at`` (downtime), 0 when none.
    skipped: int
    #: The first scheduled instant strictly after ``now``: store it as the row's next run.
    next_run_at: AwareDatetime


def _utc(value: dt.datetime, name: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetime(name)
    return value.astimezone(UTC)


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=UTC)


def _add_months(day: dt.date, months: int) -> dt.date:
    """Same day of month ``months`` later, clamped to the month's last day (Jan 31 -> Feb 28/29)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month0 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_run_after(schedule: Schedule, t: dt.datetime) -> dt.datetime | None:
    """The first scheduled instant strictly after ``t`` (UTC); None for ``on-new-data``."""
    t = _utc(t, "t")
    if schedule.cadence is Cadence.ON_NEW_DATA:
        return None
    if schedule.cadence is Cadence.DAILY:
        run = _at(t.date(), schedule.time)
        return run if run > t else run + dt.timedelta(days=1)
    if schedule.cadence is Cadence.WEEKLY:
        assert schedule.weekday is not None  # the validator guarantees it
        ahead = (schedule.weekday.number - t.weekday()) % 7
        run = _at(t.date() + dt.timedelta(days=ahead), schedule.time)
        return run if run > t else run + dt.timedelta(days=7)
    assert schedule.day is not None  # monthly: the validator guarantees it
    run = _at(t.date().replace(day=schedule.day), schedule.time)
    return run if run > t else _at(_add_months(run.date(), 1), schedule.time)


def period(cadence: Cadence, run_at: dt.datetime) -> dt.timedelta:
    """How long a run at ``run_at`` lasts until the schedule's next one (see the module doc)."""
    run_at = _utc(run_at, "run_at")
    if cadence is Cadence.DAILY:
        return dt.timedelta(days=1)
    if cadence is Cadence.WEEKLY:
        return dt.timedelta(days=7)
    if cadence is Cadence.MONTHLY:
        return _at(_add_months(run_at.date(), 1), run_at.time()) - run_at
    raise ScheduleError("An on-new-data subscription has no period.")


def is_due(next_run_at: dt.datetime, now: dt.datetime) -> bool:
    """A run is due from its scheduled instant on (inclusive)."""
    return _utc(next_run_at, "next_run_at") <= _utc(now, "now")


def latest_run_at_or_before(schedule: Schedule, t: dt.datetime) -> dt.datetime:
    """The last scheduled instant at or before ``t`` (UTC); timed cadences only."""
    following = next_run_after(schedule, t)
    if following is None:
        raise ScheduleError("An on-new-data subscription has no scheduled runs.")
    if schedule.cadence is Cadence.DAILY:
        return following - dt.timedelta(days=1)
    if schedule.cadence is Cadence.WEEKLY:
        return following - dt.timedelta(days=7)
    # Monthly days are at most 28, so the same day a month earlier always exists.
    return _at(_add_months(following.date(), -1), schedule.time)


def _runs_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> int:
    """How many scheduled instants lie in ``[start, end)``: the runs a catch-up skips."""
    first = next_run_after(schedule, start - dt.timedelta(microseconds=1))
    if first is None or first >= end:
        return 0
    last = latest_run_at_or_before(schedule, end - dt.timedelta(microseconds=1))
    if schedule.cadence is Cadence.DAILY:
        return (last - first).days + 1
    if schedule.cadence is Cadence.WEEKLY:
        return (last - first).days // 7 + 1
    return (last.year - first.year) * 12 + last.month - first.month + 1


def advance(schedule: Schedule, next_run_at: dt.datetime, now: dt.datetime) -> Claim:
    """The catch-up rule for a due row: post once, for the latest run due; next after now.

    ``next_run_at`` is the row's stored instant. It need not be one of the schedule's (e.g. the
    schedule was edited since): it is then the run posted for unless a scheduled one came after
    it, so a run is never placed before the instant the row said it was due.
    """
    stored = _utc(next_run_at, "next_run_at")
    now = _utc(now, "now")
    if not schedule.is_timed:
        raise ScheduleError("An on-new-data subscription has no scheduled runs to advance.")
    if stored > now:
        raise NotDue(f"the run at {stored.isoformat()} is not due at {now.isoformat()}")
    latest = latest_run_at_or_before(schedule, now)
    run_at = max(stored, latest)
    skipped = _runs_between(schedule, stored, run_at)
    following = next_run_after(schedule, now)
    assert following is not None  # timed cadence
    return Claim(run_at=run_at, late_by=now - run_at, skipped=skipped, next_run_at=following)


def _base36(number: int) -> str:
    digits = []
    while True:
        number, rest = divmod(number, 36)
        digits.append(_BASE36[rest])
        if number == 0:
            return "".join(reversed(digits))


def run_nonce(subscription_id: int, run_at: dt.datetime) -> str:
    """Discord's message nonce for one run of one subscription: ``s<id>r<seconds>`` in base 36.

    Injective (no two (subscription, run) pairs share a nonce, unlike a truncated hash) and at
    most 23 characters for any 63-bit id and any run before the year 10000.
    """
    run_at = _utc(run_at, "run_at")
    if not 0 <= subscription_id < 2**63:
        raise ValueError(f"subscription id must be 0 to 2**63 - 1; got {subscription_id}")
    if run_at.microsecond or run_at < _EPOCH:
        raise ValueError(f"run time must be a whole second from 1970 on; got {run_at.isoformat()}")
    seconds = (run_at - _EPOCH) // dt.timedelta(seconds=1)
    return f"s{_base36(subscription_id)}r{_base36(seconds)}"


def notice_nonce(subscription_id: int, version_id: int) -> str:
    """Discord's message nonce for one new-data notice: ``s<id>v<version>`` in base 36.

    Never equal to a ``run_nonce`` (the letter after the id differs); both ids must be below
    36**11 (about 1.3e17, far beyond any SQLite row id this bot makes) to fit Discord's 25.
    """
    for name, number in (("subscription id", subscription_id), ("version id", version_id)):
        if not 0 <= number < _NOTICE_ID_LIMIT:
            raise ValueError(f"{name} must be 0 to 36**11 - 1; got {number}")
    return f"s{_base36(subscription_id)}v{_base36(version_id)}"


def describe(schedule: Schedule) -> str:
    """The schedule in words: "weekly on Monday at 09:00 UTC"."""
    at = f"at {format_time(schedule.time)} UTC"
    if schedule.cadence is Cadence.DAILY:
        return f"daily {at}"
    if schedule.cadence is Cadence.WEEKLY:
        assert schedule.weekday is not None
        return f"weekly on {schedule.weekday.label} {at}"
    if schedule.cadence is Cadence.MONTHLY:
        return f"monthly on day {schedule.day} {at}"
    return "when new data is loaded"
