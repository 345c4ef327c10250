"""The schedule arithmetic, checked against a calendar oracle written here (not the module's code).

A valid run instant is recognised directly (right minute, weekday or day of month, zero seconds);
the run before a run is found with plain ``date.replace``/``timedelta`` arithmetic, which is
exact here because monthly days are capped at 28.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.schedule import (
    DEFAULT_TIME,
    NONCE_MAX_LENGTH,
    Cadence,
    NaiveDatetime,
    NotDue,
    Schedule,
    ScheduleError,
    Weekday,
    advance,
    build_schedule,
    describe,
    is_due,
    latest_run_at_or_before,
    next_run_after,
    notice_nonce,
    parse_time,
    period,
    run_nonce,
)

UTC = dt.UTC
TIMED = (Cadence.DAILY, Cadence.WEEKLY, Cadence.MONTHLY)


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# --------------------------------------------------------------------------- oracle


def is_valid_run(schedule: Schedule, instant: dt.datetime) -> bool:
    """A scheduled instant: the schedule's minute, on its weekday / day, to the microsecond."""
    if instant.utcoffset() != dt.timedelta(0):
        return False
    if (instant.hour, instant.minute, instant.second, instant.microsecond) != (
        schedule.time.hour,
        schedule.time.minute,
        0,
        0,
    ):
        return False
    if schedule.cadence is Cadence.WEEKLY:
        assert schedule.weekday is not None
        return instant.weekday() == list(Weekday).index(schedule.weekday)
    if schedule.cadence is Cadence.MONTHLY:
        return instant.day == schedule.day
    return True


def run_before(schedule: Schedule, run: dt.datetime) -> dt.datetime:
    """The scheduled instant before a valid ``run``."""
    if schedule.cadence is Cadence.DAILY:
        return run - dt.timedelta(days=1)
    if schedule.cadence is Cadence.WEEKLY:
        return run - dt.timedelta(days=7)
    if run.month == 1:
        return run.replace(year=run.year - 1, month=12)
    return run.replace(month=run.month - 1)


def run_after(schedule: Schedule, run: dt.datetime) -> dt.datetime:
    """The scheduled instant after a valid ``run``."""
    if schedule.cadence is Cadence.DAILY:
        return run + dt.timedelta(days=1)
    if schedule.cadence is Cadence.WEEKLY:
        return run + dt.timedelta(days=7)
    if run.month == 12:
        return run.replace(year=run.year + 1, month=1)
    return run.replace(month=run.month + 1)


# --------------------------------------------------------------------------- strategies


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    cadence = draw(st.sampled_from(TIMED))
    time = dt.time(draw(st.integers(0, 23)), draw(st.integers(0, 59)))
    if cadence is Cadence.WEEKLY:
        return Schedule(cadence=cadence, time=time, weekday=draw(st.sampled_from(list(Weekday))))
    if cadence is Cadence.MONTHLY:
        return Schedule(cadence=cadence, time=time, day=draw(st.integers(1, 28)))
    return Schedule(cadence=cadence, time=time)


instants = st.datetimes(
    min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2300, 1, 1), timezones=st.just(UTC)
)
#: Downtime of any length, from none to five years, to the microsecond.
downtimes = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=5 * 366))


def first_run(schedule: Schedule, t: dt.datetime) -> dt.datetime:
    run = next_run_after(schedule, t)
    assert run is not None
    return run


# --------------------------------------------------------------------------- parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:30", dt.time(9, 30)),
        ("09:30", dt.time(9, 30)),
        ("0:00", dt.time(0, 0)),
        ("00:00", dt.time(0, 0)),
        ("23:59", dt.time(23, 59)),
        (" 7:05 ", dt.time(7, 5)),
    ],
)
def test_parse_time_accepts_hh_mm_and_h_mm(text: str, expected: dt.time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    ["24:00", "9:60", "930", "9.30", "09:30:00", "", "9:5", "-1:00", "9:30pm", "１:30", "123:00"],
)
def test_parse_time_refuses_anything_else_naming_the_format(text: str) -> None:
    with pytest.raises(ScheduleError, match="HH:MM"):
        parse_time(text)


@given(st.integers(0, 23), st.integers(0, 59))
def test_parse_time_reads_every_minute_of_the_day(hour: int, minute: int) -> None:
    assert parse_time(f"{hour}:{minute:02d}") == dt.time(hour, minute)
    assert parse_time(f"{hour:02d}:{minute:02d}") == dt.time(hour, minute)


@given(st.text(max_size=12))
def test_parse_time_on_any_text_parses_only_the_format(text: str) -> None:
    ascii_format = re.fullmatch(r"\s*([0-9]{1,2}):([0-9]{2})\s*", text)
    try:
        parsed = parse_time(text)
    except ScheduleError:
        assert ascii_format is None or int(ascii_format[1]) > 23 or int(ascii_format[2]) > 59
    else:
        assert ascii_format is not None
        assert parsed == dt.time(int(ascii_format[1]), int(ascii_format[2]))


# --------------------------------------------------------------------------- Schedule


def test_cadence_values_are_the_command_choices() -> None:
    assert [c.value for c in Cadence] == ["daily", "weekly", "monthly", "on-new-data"]


def test_defaults_weekly_monday_monthly_day_one_time_nine() -> None:
    assert build_schedule("weekly") == Schedule(
        cadence=Cadence.WEEKLY, time=dt.time(9, 0), weekday=Weekday.MONDAY
    )
    assert build_schedule("monthly").day == 1
    assert build_schedule("daily").time == DEFAULT_TIME == dt.time(9, 0)
    assert build_schedule("daily").weekday is None and build_schedule("daily").day is None


def test_options_as_a_command_passes_them() -> None:
    schedule = build_schedule("weekly", time="7:45", weekday="Friday")
    assert (schedule.time, schedule.weekday) == (dt.time(7, 45), Weekday.FRIDAY)
    assert build_schedule("weekly", weekday=6).weekday is Weekday.SUNDAY
    assert build_schedule("monthly", day=28, time="23:59").day == 28


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"cadence": "hourly"}, "Cadence must be one of daily, weekly, monthly, on-new-data"),
        ({"cadence": "monthly", "day": 29}, "Day must be 1 to 28"),
        ({"cadence": "monthly", "day": 0}, "Day must be 1 to 28"),
        ({"cadence": "monthly", "day": 31}, "Day must be 1 to 28"),
        ({"cadence": "daily", "day": 5}, "day of the month applies to monthly posts only"),
        ({"cadence": "weekly", "day": 5}, "day of the month applies to monthly posts only"),
        ({"cadence": "daily", "weekday": "monday"}, "weekday applies to weekly posts only"),
        ({"cadence": "monthly", "weekday": 0}, "weekday applies to weekly posts only"),
        ({"cadence": "weekly", "weekday": "someday"}, "Weekday must be one of Monday, Tuesday"),
        ({"cadence": "weekly", "weekday": 7}, "Weekday must be one of Monday, Tuesday"),
        ({"cadence": "weekly", "weekday": True}, "Weekday must be one of Monday, Tuesday"),
        ({"cadence": "daily", "time": "25:00"}, "HH:MM"),
        ({"cadence": "on-new-data", "time": "10:00"}, "not on-new-data"),
    ],
)
def test_bad_schedules_say_what_is_allowed(options: dict[str, object], message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        build_schedule(**options)  # type: ignore[arg-type]


def test_constructing_directly_raises_validation_error_with_the_same_message() -> None:
    with pytest.raises(ValidationError, match="Day must be 1 to 28"):
        Schedule(cadence=Cadence.MONTHLY, day=29)
    with pytest.raises(ValidationError, match="whole minute"):
        Schedule(cadence=Cadence.DAILY, time=dt.time(9, 0, 30))
    with pytest.raises(ValidationError, match="Day must be 1 to 28"):
        Schedule(cadence=Cadence.MONTHLY, day=True)


def test_schedule_is_frozen() -> None:
    schedule = build_schedule("daily")
    with pytest.raises(ValidationError):
        schedule.time = dt.time(10, 0)  # type: ignore[misc]


@given(schedules())
def test_schedule_round_trips_through_python_and_json(schedule: Schedule) -> None:
    assert Schedule.model_validate(schedule.model_dump()) == schedule
    assert Schedule.model_validate_json(schedule.model_dump_json()) == schedule
    on_new_data = build_schedule("on-new-data")
    assert Schedule.model_validate_json(on_new_data.model_dump_json()) == on_new_data


# --------------------------------------------------------------------------- describe


@pytest.mark.parametrize(
    ("schedule", "words"),
    [
        (build_schedule("daily"), "daily at 09:00 UTC"),
        (build_schedule("weekly"), "weekly on Monday at 09:00 UTC"),
        (build_schedule("monthly"), "monthly on day 1 at 09:00 UTC"),
        (build_schedule("on-new-data"), "when new data is loaded"),
        (build_schedule("weekly", weekday="sunday", time="0:05"), "weekly on Sunday at 00:05 UTC"),
        (build_schedule("monthly", day=28, time="23:59"), "monthly on day 28 at 23:59 UTC"),
    ],
)
def test_describe(schedule: Schedule, words: str) -> None:
    assert describe(schedule) == words


# --------------------------------------------------------------------------- next_run_after


@pytest.mark.parametrize(
    ("schedule", "t", "expected"),
    [
        # exactly at the run time: strictly after, so the next one
        (build_schedule("daily"), at(2024, 5, 1, 9), at(2024, 5, 2, 9)),
        (build_schedule("daily"), at(2024, 5, 1, 8, 59, 59), at(2024, 5, 1, 9)),
        (build_schedule("daily"), at(2024, 5, 1, 9, 0, 1), at(2024, 5, 2, 9)),
        # leap day and year roll-over
        (build_schedule("daily"), at(2024, 2, 28, 12), at(2024, 2, 29, 9)),
        (
            build_schedule("daily", time="23:59"),
            at(2023, 12, 31, 23, 59, 30),
            at(2024, 1, 1, 23, 59),
        ),
        # weekday roll-over: 2024-05-06 is a Monday
        (build_schedule("weekly"), at(2024, 5, 6, 9), at(2024, 5, 13, 9)),
        (build_schedule("weekly"), at(2024, 5, 6, 8, 59), at(2024, 5, 6, 9)),
        (build_schedule("weekly", weekday="sunday"), at(2024, 5, 6, 9), at(2024, 5, 12, 9)),
        (build_schedule("weekly"), at(2023, 12, 31, 12), at(2024, 1, 1, 9)),
        # month ends, the 28-day cap, leap and non-leap Februaries (2000 leap, 2100 not)
        (build_schedule("monthly", day=28), at(2024, 1, 31, 12), at(2024, 2, 28, 9)),
        (build_schedule("monthly", day=28), at(2024, 2, 29, 12), at(2024, 3, 28, 9)),
        (build_schedule("monthly", day=28), at(2100, 2, 28, 9), at(2100, 3, 28, 9)),
        (build_schedule("monthly", day=28), at(2000, 2, 28, 10), at(2000, 3, 28, 9)),
        (build_schedule("monthly"), at(2024, 12, 15), at(2025, 1, 1, 9)),
        (build_schedule("monthly"), at(2024, 12, 1, 9), at(2025, 1, 1, 9)),
    ],
)
def test_next_run_after_examples(schedule: Schedule, t: dt.datetime, expected: dt.datetime) -> None:
    assert next_run_after(schedule, t) == expected


def test_on_new_data_has_no_runs() -> None:
    assert next_run_after(build_schedule("on-new-data"), at(2024, 1, 1)) is None
    with pytest.raises(ScheduleError, match="on-new-data"):
        advance(build_schedule("on-new-data"), at(2024, 1, 1), at(2024, 1, 2))


def test_other_time_zones_are_converted_to_utc() -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    # 10:30 at UTC+2 is 08:30 UTC: today's 09:00 UTC run is still ahead.
    run = next_run_after(build_schedule("daily"), dt.datetime(2024, 5, 1, 10, 30, tzinfo=plus_two))
    assert run == at(2024, 5, 1, 9)
    assert run is not None and run.tzinfo is UTC


@pytest.mark.parametrize(
    "call",
    [
        lambda naive: next_run_after(build_schedule("daily"), naive),
        lambda naive: is_due(naive, at(2024, 1, 1)),
        lambda naive: is_due(at(2024, 1, 1), naive),
        lambda naive: advance(build_schedule("daily"), naive, at(2024, 1, 2)),
        lambda naive: advance(build_schedule("daily"), at(2024, 1, 1), naive),
        lambda naive: run_nonce(1, naive),
    ],
)
def test_naive_datetimes_are_refused(call: object) -> None:
    with pytest.raises(NaiveDatetime, match="timezone-aware"):
        call(dt.datetime(2024, 1, 1, 9))  # type: ignore[operator]


@given(schedules(), instants)
@example(build_schedule("monthly", day=28), at(2024, 2, 29, 9))
@example(build_schedule("daily", time="0:00"), at(2023, 12, 31, 23, 59, 59))
def test_next_run_after_is_the_first_valid_instant_strictly_after(
    schedule: Schedule, t: dt.datetime
) -> None:
    run = first_run(schedule, t)
    assert run > t
    assert is_valid_run(schedule, run)
    assert run_before(schedule, run) <= t  # nothing scheduled in between


@given(schedules(), instants)
def test_successive_runs_increase_by_exactly_one_period(schedule: Schedule, t: dt.datetime) -> None:
    run = first_run(schedule, t)
    for _ in range(14):
        following = first_run(schedule, run)
        assert following > run
        assert following == run_after(schedule, run)
        assert following - run == period(schedule.cadence, run)
        run = following


def test_monthly_period_follows_the_calendar() -> None:
    assert period(Cadence.MONTHLY, at(2024, 1, 28, 9)) == dt.timedelta(days=31)
    assert period(Cadence.MONTHLY, at(2024, 2, 28, 9)) == dt.timedelta(days=29)  # leap year
    assert period(Cadence.MONTHLY, at(2023, 2, 28, 9)) == dt.timedelta(days=28)
    assert period(Cadence.MONTHLY, at(2024, 4, 1, 9)) == dt.timedelta(days=30)
    assert period(Cadence.DAILY, at(2024, 2, 28, 9)) == dt.timedelta(days=1)
    assert period(Cadence.WEEKLY, at(2024, 2, 28, 9)) == dt.timedelta(days=7)


def test_period_of_a_stored_run_off_the_schedule_is_clamped_to_the_month_end() -> None:
    # A row's next_run_at may predate an edit of its schedule (day 31 is no longer allowed).
    assert period(Cadence.MONTHLY, at(2024, 1, 31, 9)) == dt.timedelta(days=29)  # to Feb 29
    assert period(Cadence.MONTHLY, at(2023, 1, 31, 9)) == dt.timedelta(days=28)  # to Feb 28
    claim = advance(build_schedule("monthly", day=15), at(2024, 1, 31, 9), at(2024, 2, 29, 8))
    assert claim.run_at == at(2024, 2, 15, 9)  # the schedule's latest run, after the stored one
    assert claim.next_run_at == at(2024, 3, 15, 9)
    # Before the new schedule's first run after it, the stored instant is the run.
    claim = advance(build_schedule("monthly", day=15), at(2024, 1, 31, 9), at(2024, 2, 1, 8))
    assert claim.run_at == at(2024, 1, 31, 9)
    assert claim.skipped == 0


# --------------------------------------------------------------------------- is_due / advance


def test_due_from_the_run_time_on() -> None:
    run = at(2024, 5, 1, 9)
    assert not is_due(run, run - dt.timedelta(seconds=1))
    assert is_due(run, run)
    assert is_due(run, run + dt.timedelta(seconds=1))


def test_advance_refuses_a_run_that_is_not_due() -> None:
    run = at(2024, 5, 1, 9)
    with pytest.raises(NotDue):
        advance(build_schedule("daily"), run, run - dt.timedelta(seconds=1))


@pytest.mark.parametrize(
    ("schedule", "run", "late", "posted_run", "skipped"),
    [
        # on time, or less than a period late: the stored run itself
        (build_schedule("daily"), at(2024, 5, 1, 9), dt.timedelta(0), at(2024, 5, 1, 9), 0),
        (build_schedule("daily"), at(2024, 5, 1, 9), dt.timedelta(seconds=1), at(2024, 5, 1, 9), 0),
        (
            build_schedule("daily"),
            at(2024, 5, 1, 9),
            dt.timedelta(days=1, seconds=-1),
            at(2024, 5, 1, 9),
            0,
        ),
        # exactly one period late or just over: the run due now, once (the stored one skipped)
        (build_schedule("daily"), at(2024, 5, 1, 9), dt.timedelta(days=1), at(2024, 5, 2, 9), 1),
        (
            build_schedule("daily"),
            at(2024, 5, 1, 9),
            dt.timedelta(days=1, seconds=1),
            at(2024, 5, 2, 9),
            1,
        ),
        (build_schedule("daily"), at(2024, 5, 1, 9), dt.timedelta(days=10), at(2024, 5, 11, 9), 10),
        (
            build_schedule("weekly"),
            at(2024, 5, 6, 9),
            dt.timedelta(days=7, seconds=-1),
            at(2024, 5, 6, 9),
            0,
        ),
        (build_schedule("weekly"), at(2024, 5, 6, 9), dt.timedelta(days=7), at(2024, 5, 13, 9), 1),
        # monthly: one period from Feb 28 2024 is 29 days (leap year), from Jan 28 it is 31
        (
            build_schedule("monthly", day=28),
            at(2024, 2, 28, 9),
            dt.timedelta(days=29),
            at(2024, 3, 28, 9),
            1,
        ),
        (
            build_schedule("monthly", day=28),
            at(2024, 2, 28, 9),
            dt.timedelta(days=28),
            at(2024, 2, 28, 9),
            0,
        ),
        (
            build_schedule("monthly", day=28),
            at(2024, 1, 28, 9),
            dt.timedelta(days=30),
            at(2024, 1, 28, 9),
            0,
        ),
        (
            build_schedule("monthly", day=28),
            at(2024, 1, 28, 9),
            dt.timedelta(days=31),
            at(2024, 2, 28, 9),
            1,
        ),
        (
            build_schedule("monthly", day=28),
            at(2023, 2, 28, 9),
            dt.timedelta(days=28),
            at(2023, 3, 28, 9),
            1,
        ),
    ],
)
def test_catch_up_boundaries(
    schedule: Schedule,
    run: dt.datetime,
    late: dt.timedelta,
    posted_run: dt.datetime,
    skipped: int,
) -> None:
    now = run + late
    claim = advance(schedule, run, now)
    assert claim.run_at == posted_run
    assert claim.late_by == now - posted_run
    assert claim.skipped == skipped
    assert claim.next_run_at == first_run(schedule, now)


def test_downtime_of_years_posts_once_and_resumes_with_the_next_run() -> None:
    claim = advance(build_schedule("weekly"), at(2020, 1, 6, 9), at(2024, 5, 8, 12))
    assert claim.run_at == at(2024, 5, 6, 9)  # the Monday just missed, posted once
    assert claim.skipped == 226  # every Monday from 2020-01-06 to 2024-04-29
    assert claim.next_run_at == at(2024, 5, 13, 9)  # the next Monday, not one per missed week


@given(schedules(), instants)
def test_latest_run_at_or_before_is_the_last_valid_instant_not_after(
    schedule: Schedule, t: dt.datetime
) -> None:
    run = latest_run_at_or_before(schedule, t)
    assert run <= t
    assert is_valid_run(schedule, run)
    assert run_after(schedule, run) > t  # nothing scheduled in between


@given(schedules(), instants, downtimes)
@example(build_schedule("monthly", day=28), at(2024, 2, 1), dt.timedelta(days=29))
@example(build_schedule("daily"), at(2024, 2, 28, 10), dt.timedelta(0))
def test_advance_after_any_downtime(
    schedule: Schedule, t: dt.datetime, downtime: dt.timedelta
) -> None:
    run = first_run(schedule, t)
    now = run + downtime
    claim = advance(schedule, run, now)
    # One post, for the latest run due: valid, not after now, less than a period late.
    assert is_valid_run(schedule, claim.run_at)
    assert run <= claim.run_at <= now
    assert run_after(schedule, claim.run_at) > now
    assert claim.late_by == now - claim.run_at
    assert claim.late_by < period(schedule.cadence, claim.run_at)
    assert claim.next_run_at == run_after(schedule, claim.run_at)
    assert claim.next_run_at > now
    # The skipped runs are exactly those from the stored run up to the posted one.
    skipped, cursor = 0, run
    while cursor < claim.run_at:
        skipped, cursor = skipped + 1, run_after(schedule, cursor)
    assert claim.skipped == skipped


@given(schedules(), instants, st.integers(-120, 120))
def test_advance_near_one_period_late(schedule: Schedule, t: dt.datetime, seconds: int) -> None:
    run = first_run(schedule, t)
    following = run_after(schedule, run)
    now = following + dt.timedelta(seconds=seconds)
    claim = advance(schedule, run, now)
    assert claim.run_at == (run if seconds < 0 else following)
    assert claim.skipped == (0 if seconds < 0 else 1)


@given(
    schedules(),
    instants,
    st.lists(
        st.one_of(
            st.timedeltas(min_value=dt.timedelta(seconds=1), max_value=dt.timedelta(minutes=2)),
            st.timedeltas(min_value=dt.timedelta(seconds=1), max_value=dt.timedelta(days=800)),
        ),
        min_size=1,
        max_size=40,
    ),
)
def test_a_poster_ticking_through_uptime_and_downtime(
    schedule: Schedule, start: dt.datetime, gaps: list[dt.timedelta]
) -> None:
    """The poster's loop as the cog runs it: one post per tick that finds the row due, never
    early, never two for one run, and none lost: every tick after a due run posts.

    A gap of up to 2 minutes is a tick of a running bot; anything longer is downtime.
    """
    next_run = first_run(schedule, start)
    now = start
    posted: list[dt.datetime] = []
    for gap in gaps:
        previous, now = now, now + gap
        if not is_due(next_run, now):
            assert next_run > now
            continue
        claim = advance(schedule, next_run, now)
        assert previous < claim.run_at <= now  # each run is handled by one tick only
        assert claim.next_run_at > now
        posted.append(claim.run_at)
        next_run = claim.next_run_at
    assert len(posted) == len(set(posted))
    assert posted == sorted(posted)
    # Posts happened at exactly the ticks that found a scheduled run since the tick before.
    expected = 0
    ticks = [start]
    for gap in gaps:
        ticks.append(ticks[-1] + gap)
    due_at = first_run(schedule, start)
    for tick in ticks[1:]:
        if due_at <= tick:
            expected += 1
            due_at = first_run(schedule, tick)
    assert len(posted) == expected


# --------------------------------------------------------------------------- run_nonce


def test_nonce_examples() -> None:
    assert run_nonce(1, at(1970, 1, 1)) == "s1r0"
    assert run_nonce(35, at(1970, 1, 1, 0, 0, 36)) == "szr10"
    biggest = run_nonce(2**63 - 1, dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC))
    assert len(biggest) <= NONCE_MAX_LENGTH == 25


def test_notice_nonce_never_collides_with_a_run_nonce() -> None:
    assert notice_nonce(1, 1) == "s1v1"
    assert notice_nonce(36**11 - 1, 36**11 - 1) == "s" + "z" * 11 + "v" + "z" * 11
    assert len(notice_nonce(36**11 - 1, 36**11 - 1)) <= NONCE_MAX_LENGTH
    assert notice_nonce(1, 0) != run_nonce(1, at(1970, 1, 1))
    with pytest.raises(ValueError, match="version id"):
        notice_nonce(1, 36**11)
    with pytest.raises(ValueError, match="subscription id"):
        notice_nonce(-1, 1)


def test_nonce_refuses_what_it_cannot_encode() -> None:
    with pytest.raises(ValueError, match="subscription id"):
        run_nonce(-1, at(2024, 1, 1))
    with pytest.raises(ValueError, match="subscription id"):
        run_nonce(2**63, at(2024, 1, 1))
    with pytest.raises(ValueError, match="whole second"):
        run_nonce(1, at(2024, 1, 1) + dt.timedelta(microseconds=1))
    with pytest.raises(ValueError, match="1970"):
        run_nonce(1, at(1969, 12, 31, 23, 59))


subscription_ids = st.integers(0, 2**63 - 1)
run_times = st.datetimes(
    min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(9999, 12, 31), timezones=st.just(UTC)
).map(lambda t: t.replace(microsecond=0))


@given(subscription_ids, run_times)
def test_nonce_is_short_plain_and_deterministic(subscription_id: int, run_at: dt.datetime) -> None:
    nonce = run_nonce(subscription_id, run_at)
    assert len(nonce) <= NONCE_MAX_LENGTH
    assert re.fullmatch(r"s[0-9a-z]+r[0-9a-z]+", nonce)
    assert run_nonce(subscription_id, run_at) == nonce
    elsewhere = run_at.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    assert run_nonce(subscription_id, elsewhere) == nonce  # the same instant, the same nonce


@given(subscription_ids, run_times, subscription_ids, run_times)
@example(1, at(2024, 1, 1, 9), 1, at(2024, 1, 2, 9))
@example(1, at(2024, 1, 1, 9), 2, at(2024, 1, 1, 9))
@example(11, at(1970, 1, 1), 1, at(1970, 1, 1, 0, 0, 1))
def test_nonce_differs_for_every_other_run(
    id_a: int, run_a: dt.datetime, id_b: int, run_b: dt.datetime
) -> None:
    if (id_a, run_a) != (id_b, run_b):
        assert run_nonce(id_a, run_a) != run_nonce(id_b, run_b)
