"""Scheduled posts fanned out against Discord's rate limits: ``python -m bench updates``.

One event loop, the fake Discord on 127.0.0.1 with its rate limits on (5 messages per 5 s per
channel, 50 requests per second per bot), NatoBot on a fresh SQLite file, its schedule on a clock
this script moves:

1. 200 servers, 5 daily subscriptions each (1,000), all due at 09:00; each in its own channel, so
   the global 50/s is the only limit that binds; then the same with 2 subscriptions per channel;
2. the clock is set to 09:00 and the poster's next tick (every 0.1 s) fans them out, while
   /summary is invoked one after another (a short gap between) and a ticker measures how late the
   event loop wakes it (bench.commands' `LoopLag`);
3. figures: time from the due moment to the last post, posts per second from the first post to the
   last, the 429s the fake answered, the loop's longest stall, /summary's latency (dispatch ->
   first callback at the fake: the reply, or "thinking…" when its chart is drawn; and dispatch ->
   the complete reply with its chart, which each probe awaits); then the fake's messages, counted
   per channel: every subscription posted exactly once. The goals with PASS/MISS.

The fake, the bot and this script share one process, so the fake's own work (HTTP parsing, JSON,
limit checks) is inside every figure. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import discord
from tabulate import tabulate

from bench.bare import percentile
from bench.commands import (
    CHART_TIMEOUT,
    LOOP_STALL_MS,
    WARM_UP,
    GcPauses,
    LoopLag,
    Sender,
    chart_reply,
    command_sender,
    forget_finished,
    load,
    quiet,
)
from bench.shared import Timing, reap_leftover_tasks, timing_of, verdict
from bot.client import NatoBot
from bot.schedule import build_schedule
from bot.subscriptions import Content
from tests.fakediscord import FakeChannel, FakeDiscord, RecordedRequest
from tests.support.bot import bot_settings
from tests.support.updates import Clock, at, more_ticks

TICK = 0.1  # the poster's tick (UPDATES_TICK_SECONDS): the fan-out starts within one
BEFORE, DUE = at(2026, 7, 1, 8, 59), at(2026, 7, 1, 9, 0)
BASELINE_S = 5.0  # /summary and the ticker with nothing due, before the fan-out
DEADLINE = 100.0  # seconds for the fan-out before the run counts as stuck (2x its floor of 20 s)
POST_PATH = re.compile(r"/channels/(\d+)/messages$")

# Goals (issue #8 item 6); LOOP_STALL_MS (20 ms) is bench.commands' own.
POSTS_PER_SECOND = 40.0
SUMMARY_P99_MS = 10.0


@dataclass
class Layout:
    servers: int
    per_server: int
    per_channel: int

    @property
    def channels_per_server(self) -> int:
        return math.ceil(self.per_server / self.per_channel)

    @property
    def subscriptions(self) -> int:
        return self.servers * self.per_server

    def __str__(self) -> str:
        return (
            f"{self.subscriptions} subscriptions, {self.servers} servers x {self.per_server}, "
            f"{self.per_channel} per channel ({self.servers * self.channels_per_server} channels)"
        )


@dataclass
class Run:
    layout: Layout
    setup_s: float = math.nan
    to_last_post_s: float = math.nan  # from the clock reaching the due time
    first_to_last_s: float = math.nan
    posts: int = 0
    busiest_second: int = 0  # accepted posts in the busiest whole second of the fake's clock
    global_429: int = 0
    route_429: int = 0
    retried_next_tick: int = 0  # posts the poster gave up on this tick (after discord.py's retries)
    expected: Counter[int] = field(default_factory=Counter)  # channel id -> subscriptions
    delivered: Counter[int] = field(default_factory=Counter)  # channel id -> the bot's posts
    duplicate_nonces: int = 0
    stuck: bool = False
    lag: LoopLag = field(default_factory=LoopLag)
    lag_idle: LoopLag = field(default_factory=LoopLag)  # the same ticker, nothing due
    summary_idle: Timing | None = None  # dispatch -> first callback
    summary_idle_final: Timing | None = None  # dispatch -> the complete reply, chart included
    cpu_s: float = math.nan  # this process's CPU time (every thread) during the fan-out
    fan_out_s: float = math.nan  # wall time of the same
    gc: GcPauses = field(default_factory=GcPauses)
    summary: Timing | None = None
    summary_final: Timing | None = None

    @property
    def posts_per_second(self) -> float:
        return (self.posts - 1) / self.first_to_last_s if self.first_to_last_s > 0 else math.nan

    @property
    def missed(self) -> int:
        return sum(max(0, n - self.delivered[c]) for c, n in self.expected.items())

    @property
    def doubled(self) -> int:
        return sum(max(0, n - self.expected[c]) for c, n in self.delivered.items())

    @property
    def exactly_once(self) -> bool:
        return (
            not self.stuck
            and self.delivered == self.expected
            and self.duplicate_nonces == 0
            and sum(self.delivered.values()) == self.layout.subscriptions
        )


class GaveUpCounter(logging.Handler):
    """Counts the poster's "not delivered, retried next tick" warnings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "retried next tick" in record.getMessage():
            self.count += 1


def _is_post(request: RecordedRequest) -> bool:
    return request.method == "POST" and POST_PATH.search(request.path) is not None


class PostCounter:
    """Posts the fake accepted so far, read from its request log a slice at a time (a full scan
    of its messages on every poll would itself stall the loop being measured)."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake, self.seen, self.accepted = fake, 0, 0

    def __call__(self) -> int:
        requests = self.fake.requests
        for request in requests[self.seen :]:
            if request.status == 0:  # not answered yet: look again next time
                break
            self.seen += 1
            self.accepted += request.status == 200 and _is_post(request)
        return self.accepted


async def run(layout: Layout, summary_gap: float) -> Run:
    result = Run(layout)
    gave_up = GaveUpCounter()
    logging.getLogger("cogs.updates.poster").addHandler(gave_up)
    started = time.monotonic()
    async with FakeDiscord() as fake:  # rate limits on: Discord's defaults
        channels: list[FakeChannel] = []
        for s in range(layout.servers):
            guild = fake.add_guild(
                f"Server {s}", channels=[f"updates-{c}" for c in range(layout.channels_per_server)]
            )
            channels += [guild.channels[i // layout.per_channel] for i in range(layout.per_server)]
        with fake.patched(), tempfile.TemporaryDirectory(prefix="natobot-bench-") as tmp:
            clock = Clock(BEFORE)
            settings = bot_settings(Path(tmp), fake, updates_tick_seconds=TICK)
            bot = NatoBot(settings, clock=clock)
            async with fake.running(bot):
                await fake.wait_for_commands()
                # Through the Store: 1,000 /updates subscribe would only time the setup.
                daily = build_schedule("daily", time="09:00")
                for channel in channels:
                    assert channel.guild_id is not None
                    await bot.store.subscriptions.create(
                        guild_id=channel.guild_id,
                        channel_id=channel.id,
                        schedule=daily,
                        target=None,
                        content=Content.SUMMARY,
                        by=fake.owner.id,
                        now=clock(),
                    )
                    result.expected[channel.id] += 1
                send_summary = summary_sender(fake)
                for _ in range(WARM_UP):
                    await send_summary()
                await quiet(fake)
                forget_finished(fake)
                await _baseline(fake, result, summary_gap)
                await quiet(fake)
                forget_finished(fake)
                result.setup_s = time.monotonic() - started
                await _fan_out(fake, bot, clock, result, summary_gap)
                await more_ticks(bot, 5)  # time for a second post, were one to come
            _count(fake, result)
    logging.getLogger("cogs.updates.poster").removeHandler(gave_up)
    result.retried_next_tick = gave_up.count
    leftover = await reap_leftover_tasks()
    if leftover:
        print(f"LEAK: tasks still pending after the bot and the fake closed: {leftover}")
    return result


def summary_sender(fake: FakeDiscord) -> Sender:
    """/summary probes, each awaited until the user has the whole reply (after a defer: the
    follow-up with the chart), so none is left waiting when the fake's records are dropped."""
    return command_sender(fake, "summary", {}, to_final=True, timeout=CHART_TIMEOUT)


async def _summaries(fake: FakeDiscord, gap: float, stop: asyncio.Event) -> tuple[Timing, Timing]:
    """/summary one after another (`gap` s between) until `stop`: dispatch -> first callback,
    and dispatch -> the complete reply. A probe counts only if its reply is public and carries
    its chart."""
    send = summary_sender(fake)
    first: list[float] = []
    final: list[float] = []
    sent, started = 0, time.monotonic()
    while not stop.is_set():
        probe = await send()
        sent += 1
        inter = probe.interaction
        if probe.done_at is not None and chart_reply(inter):
            first.append((inter.callbacks[0].at - inter.dispatched_at) * 1000)
            final.append((probe.done_at - inter.dispatched_at) * 1000)
        await asyncio.sleep(gap)
    elapsed = time.monotonic() - started
    return timing_of(first, sent, elapsed), timing_of(final, sent, elapsed)


async def _baseline(fake: FakeDiscord, result: Run, summary_gap: float) -> None:
    """The same probes with nothing due: what this machine gives before any fan-out."""
    stop = asyncio.Event()
    async with result.lag_idle:
        driving = asyncio.create_task(_summaries(fake, summary_gap, stop))
        await asyncio.sleep(BASELINE_S)
        stop.set()
        result.summary_idle, result.summary_idle_final = await driving


async def _fan_out(
    fake: FakeDiscord, bot: NatoBot, clock: Clock, result: Run, summary_gap: float
) -> None:
    """Set the clock to the due time; /summary in turn until every post is in (or DEADLINE)."""
    expected = result.layout.subscriptions
    stop = asyncio.Event()
    count_posts = PostCounter(fake)
    with result.gc:
        async with result.lag:
            due_at, cpu_at = time.monotonic(), time.process_time()
            clock.set(DUE)
            driving = asyncio.create_task(_summaries(fake, summary_gap, stop))
            while count_posts() < expected:
                if time.monotonic() - due_at > DEADLINE:
                    result.stuck = True
                    break
                await asyncio.sleep(0.05)
            stop.set()
            result.summary, result.summary_final = await driving
            result.cpu_s = time.process_time() - cpu_at
            result.fan_out_s = time.monotonic() - due_at
    accepted = [r for r in fake.requests if _is_post(r) and r.status == 200]
    if accepted:
        result.to_last_post_s = accepted[-1].at - due_at
        result.first_to_last_s = accepted[-1].at - accepted[0].at
        result.busiest_second = max(Counter(math.floor(r.at) for r in accepted).values())
    result.posts = len(accepted)


def _count(fake: FakeDiscord, result: Run) -> None:
    """The bot's posts per channel, as the fake holds them, and nonces seen more than once."""
    bot_id = fake.bot_user.id
    nonces: Counter[str] = Counter()
    for message in fake.messages.values():
        if message.author.id == bot_id and message.interaction_id is None and not message.deleted:
            result.delivered[message.channel_id] += 1
            nonces[str(message.nonce)] += 1
    result.duplicate_nonces = sum(n - 1 for n in nonces.values() if n > 1)
    result.global_429 = len(fake.faulted_requests("global_rate_limit"))
    result.route_429 = len(fake.faulted_requests("rate_limit"))


# ---- the report --------------------------------------------------------------------------------
def report(runs: list[Run], before: str, after: str) -> str:
    lines = [
        f"discord.py {discord.__version__}, fake Discord on 127.0.0.1 with Discord's rate limits "
        f"(5 posts / 5 s per channel, 50 requests/s per bot); {before}.",
        f"The poster ticks every {TICK} s; the clock jumps to the due time at t=0. /summary: "
        'dispatch -> first callback (reply or "thinking…") and -> the complete reply with its '
        "chart, one after another throughout the fan-out.",
        "",
    ]
    table = []
    for r in runs:
        s, f = r.summary, r.summary_final
        table.append(
            [
                f"{r.layout.per_channel} per channel",
                f"{r.posts}",
                f"{r.to_last_post_s:.1f}",
                f"{r.posts_per_second:.1f}",
                f"{r.busiest_second}",
                f"{r.global_429} / {r.route_429}",
                f"{r.retried_next_tick}",
                f"{r.lag.max_ms:.1f} / {percentile(r.lag.lags_ms, 0.99):.1f}",
                f"{s.p50_ms:.1f} / {s.p99_ms:.1f} / {s.max_ms:.1f} ({s.count})" if s else "-",
                f"{f.p50_ms:.1f} / {f.p99_ms:.1f}" if f else "-",
                f"{r.missed} / {r.doubled}",
            ]
        )
    headers = [
        "layout",
        "posts",
        "to last post s",
        "posts/s",
        "busiest 1 s",
        "429 global / route",
        "retried next tick",
        "stall max / p99 ms",
        "/summary first p50 / p99 / max ms (n)",
        "complete p50 / p99 ms",
        "missed / doubled",
    ]
    lines.append(tabulate(table, headers=headers, disable_numparse=True))
    for r in runs:
        lines += [
            "",
            f"{r.layout} (setup {r.setup_s:.1f} s):",
            f"  CPU time of this process (fake, bot, probes) during the fan-out: {r.cpu_s:.1f} s "
            f"of {r.fan_out_s:.1f} s",
            f"  event-loop lag, fan-out:      {r.lag}",
            f"  event-loop lag, nothing due:  {r.lag_idle}",
            f"  /summary, fan-out:            {_latency(r.summary)}",
            f"    complete reply with chart:  {_latency(r.summary_final)}",
            f"  /summary, nothing due:        {_latency(r.summary_idle)}",
            f"    complete reply with chart:  {_latency(r.summary_idle_final)}",
            f"  full garbage collections: {r.gc}",
            f"  per channel: {sum(1 for c in r.expected if r.delivered[c] == r.expected[c])} of "
            f"{len(r.expected)} channels hold exactly their subscriptions' posts; "
            f"{r.duplicate_nonces} repeated nonces"
            + ("; STUCK: not every post arrived in time" if r.stuck else ""),
        ]
    lines += ["", "goals:"]
    for r in runs:
        s = r.summary
        name = f"{r.layout.per_channel} per channel"
        lines += [
            verdict(
                r.exactly_once,
                f"{name}: every post delivered exactly once ({r.missed} missed, "
                f"{r.doubled} doubled)",
            ),
            verdict(
                r.posts_per_second >= POSTS_PER_SECOND,
                f"{name}: >= {POSTS_PER_SECOND:g} posts/s sustained: {r.posts_per_second:.1f}",
            ),
            verdict(
                r.lag.max_ms <= LOOP_STALL_MS,
                f"{name}: longest stall <= {LOOP_STALL_MS:g} ms: {r.lag.max_ms:.1f} ms "
                f"(nothing due: {r.lag_idle.max_ms:.1f} ms)",
            ),
            verdict(
                s is not None and s.failed == 0 and s.p99_ms <= SUMMARY_P99_MS,
                f"{name}: /summary first response p99 <= {SUMMARY_P99_MS:g} ms during the "
                "fan-out, every reply complete with its chart: "
                + (f"{s.p99_ms:.1f} ms ({s.failed} of {s.count} failed)" if s else "none")
                + (f" (nothing due: {r.summary_idle.p99_ms:.1f} ms)" if r.summary_idle else ""),
            ),
        ]
    lines.append(f"after the run: {after}")
    return "\n".join(lines)


def _latency(t: Timing | None) -> str:
    if t is None:
        return "-"
    return (
        f"n={t.count:<5} p50={t.p50_ms:6.2f} ms  p99={t.p99_ms:6.2f} ms  max={t.max_ms:6.2f} ms"
        f"  ({t.failed} failed)"
    )


async def run_all(layouts: list[Layout], summary_gap: float) -> list[Run]:
    return [await run(layout, summary_gap) for layout in layouts]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench updates", description=__doc__)
    parser.add_argument("--servers", type=int, default=200)
    parser.add_argument("--per-server", type=int, default=5, help="subscriptions per server")
    parser.add_argument(
        "--variant-per-channel",
        type=int,
        default=2,
        help="a second run with this many subscriptions per channel (0: none)",
    )
    parser.add_argument(
        "--summary-gap", type=float, default=0.01, help="seconds between two /summary"
    )
    args = parser.parse_args(argv)
    # discord.py logs every 429 it sleeps out; the report counts them instead.
    logging.getLogger("discord").setLevel(logging.ERROR)
    logging.getLogger("tests.fakediscord").setLevel(logging.ERROR)
    layouts = [Layout(args.servers, args.per_server, 1)]
    if args.variant_per_channel > 1:
        layouts.append(Layout(args.servers, args.per_server, args.variant_per_channel))
    before = load()
    runs = asyncio.run(run_all(layouts, args.summary_gap))
    print(report(runs, before, load()))


if __name__ == "__main__":
    main()
