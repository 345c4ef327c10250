"""Command latency of the real bot against the fake Discord: ``python -m bench commands``.

One run, one event loop, the fake Discord on 127.0.0.1:

1. the bare discord.py bot (bench.bare): time to ready, N sequential /ping, a burst of B at once;
2. NatoBot on a fresh SQLite file: time to ready (seeding included), then for every command N
   sequential and a burst of B (text replies: the chart commands' charts are cached by then);
3. every chart command (/summary /ranking /compare /gap /country: a PNG rendered in a worker
   process) cold (a question never asked, so its chart is drawn) and cached, N in turn and a burst
   of 6, timed to the first response and to the message with the PNG, while a ticker measures
   how late the event loop wakes (its stalls); cold /country once more while the low-priority
   pre-render of a whole dataset version runs (are live requests slowed?);
4. RSS of the bot and its chart workers after each phase; one table; the goals with PASS/MISS.

Latency = gateway dispatch of the interaction -> its first callback reaching the fake. The fake,
both bots and this script share one process and one event loop, so the fake's own work (JSON,
zlib, HTTP parsing) is inside every figure, the bare bot's included. Before each measured run
the fake's records of finished interactions are dropped, so its bookkeeping does not grow the heap
(and the garbage collector's pauses) under the bot's later figures. Prints figures; asserts
nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import logging
import math
import os
import resource
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import discord
from tabulate import tabulate

from bench.bare import percentile
from bench.shared import PeakSampler, Timing, reap_leftover_tasks, timing_of, verdict
from bot import chart_replies
from bot.client import NatoBot
from bot.config import Settings
from tests.fakediscord import BareBot, FakeDiscord, FakeInteraction
from tests.fakediscord.models import walk_components

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, AUTOCOMPLETE_RESULT = (
    4,
    5,
    6,
    8,
)  # callback types
AUTOCOMPLETE = 4  # interaction type
WARM_UP = 5  # unmeasured invocations of each command first (imports, caches, fonts)
QUIET_GAP = 0.002
CHART_TIMEOUT = (
    60.0  # sequential probes: the bot counts as done after this long without a REST call
)

# /summary /ranking /gap /compare attach a chart: they are timed with the chart commands.
TEXT_COMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("revisions", {"country": "Poland"}),
    ("targets", {}),
    ("about", {}),
]
# The bot caches each chart per dataset version and question. Cold runs ask questions never asked
# before (and not pre-rendered: the pre-render covers the newest release's default questions), so
# they render; cached runs repeat questions already answered.
CHART_ALLIES = [
    "POL", "DEU", "FRA", "ITA", "ESP", "GBR", "USA", "CAN", "NLD", "NOR", "SWE", "FIN", "BEL",
    "DNK", "EST", "LVA", "LTU", "GRC", "TUR", "PRT", "ROU", "CZE", "HUN", "SVK", "SVN", "HRV",
    "BGR", "ALB", "MNE", "MKD", "LUX",
]  # fmt: skip
CHART_RELEASES = ["2025-08", "2024-06"]  # not the newest: its profiles are pre-rendered


def cold_questions(command: str) -> Iterator[dict[str, Any]]:
    """An endless stream of questions whose chart is not in the cache yet."""
    if command == "country":
        for rid in CHART_RELEASES:
            for iso3 in CHART_ALLIES:
                yield {"country": iso3, "release": rid}
        return
    for k in itertools.count(1):
        custom = round(2.0 + k * 0.01, 2)  # a custom target: a new question every time
        if command == "summary":
            yield {"target": custom}
        elif command == "gap":
            yield {"country": CHART_ALLIES[k % len(CHART_ALLIES)], "target": custom}
        elif command == "compare":
            pair = itertools.islice(itertools.combinations(CHART_ALLIES, 3), k - 1, k)
            yield {"countries": ", ".join(next(pair))}
        elif command == "ranking":
            metrics = ["spending", "equipment", "per_capita", "share"]
            years = list(range(2014, 2025))
            metric, year = metrics[k % len(metrics)], years[(k // len(metrics)) % len(years)]
            yield {"metric": metric, "year": year, "release": "2024-06"}


CHART_COMMANDS = ["summary", "ranking", "compare", "gap", "country"]


# Goals (issue #3 item 7)
TEXT_P50_VS_BARE = 3.0
TEXT_P99_MS = 5.0
CHART_P99_MS = 250.0
CHART_BURST_LAST_MS = 600.0
CACHED_CHART_MS = 20.0
RSS_MB = 250.0
LOOP_STALL_MS = 20.0
BURST_VS_BARE = 0.5


# ---- probes and their timings --------------------------------------------------------------------
@dataclass
class Probe:
    """One interaction sent and awaited: its record at the fake, and when its reply was complete."""

    interaction: FakeInteraction
    done_at: float | None  # monotonic time the awaited reply was complete at the fake; None: never


Sender = Callable[[], Awaitable[Probe]]
Check = Callable[[FakeInteraction], bool]


@dataclass(frozen=True)
class Row:
    """A command answered at once: N sequential, and a burst."""

    command: str
    sequential: Timing
    burst: Timing


@dataclass(frozen=True)
class ChartRow:
    """A deferred command: first response (the defer) and the final message, same probes."""

    command: str
    first: Timing
    final: Timing


async def quiet(fake: FakeDiscord, gap: float = QUIET_GAP) -> None:
    """Wait until the bot has made no REST call for `gap` seconds and every call was answered.

    A reply's tail (e.g. /ranking fetching its message after the callback) then never lands in
    the next sequential probe's latency.
    """
    while True:
        seen = len(fake.requests)
        await asyncio.sleep(gap)
        if len(fake.requests) == seen and all(r.status for r in fake.requests[-8:]):
            return


def forget_finished(fake: FakeDiscord) -> None:
    """Drop the fake's records of finished interactions (call only when the bot is quiet).

    The fake keeps every interaction, request, message and file for tests to inspect. Over
    thousands of probes that grows the process heap, and with it every full garbage collection
    (a pause of the whole event loop): the fake's records would slow the bot's later figures.
    """
    # Kept: replies whose page buttons still work (the bot will still edit them, when their
    # pages expire or at shutdown), and deferred replies whose follow-up has not come yet (a
    # chart still drawing: "quiet" sees no REST call then). A forgotten token would read as a
    # broken Discord rule (404 Unknown Webhook).
    kept = {
        token: i
        for token, i in fake.interactions.items()
        if _has_live_buttons(i) or _awaits_reply(i)
    }
    messages = {
        m.id: m
        for i in kept.values()
        for m in ([i.original] if i.original is not None else []) + i.followups
    }
    fake.interactions.clear()
    fake.interactions.update(kept)
    fake.requests.clear()
    fake.messages.clear()
    fake.messages.update(messages)
    fake.files.clear()


#: Buttons that work for as long as the message exists (``bot.views.export.ExportButton``): the
#: bot never edits a message for them, so they do not keep it "live".
PERSISTENT_BUTTONS = ("export:",)


def _has_live_buttons(interaction: FakeInteraction) -> bool:
    message = interaction.original
    if message is None:
        return False
    buttons = [c for c in walk_components(message.components) if c.get("type") == 2]
    return any(
        not c.get("disabled") and not str(c.get("custom_id", "")).startswith(PERSISTENT_BUTTONS)
        for c in buttons
    )


def _awaits_reply(interaction: FakeInteraction) -> bool:
    """Not answered yet, or acknowledged with a defer ("thinking…", a deferred update) and
    nothing sent since."""
    ack, original = interaction.acknowledged, interaction.original
    if not interaction.callbacks:
        return True
    if ack is None or interaction.followups:
        return False
    if ack.type == DEFERRED_CHANNEL_MESSAGE:
        return original is None or original.loading
    if ack.type == DEFERRED_UPDATE:
        return original is None or original.edits <= interaction.original_edits_at_ack
    return False


async def probe(
    fake: FakeDiscord, send: Sender, n: int, *, burst: bool
) -> tuple[list[Probe], float]:
    """`n` probes one at a time (each once the bot is quiet), or all at once; and the start."""
    await quiet(fake)
    forget_finished(fake)
    started = time.monotonic()
    if burst:
        return list(await asyncio.gather(*(send() for _ in range(n)))), started
    probes = []
    for _ in range(n):
        probes.append(await send())
        await quiet(fake)
    return probes, started


async def measure(
    fake: FakeDiscord, send: Sender, check: Check, *, n: int, burst: bool = False
) -> Timing:
    """Dispatch -> first callback of `n` probes; a probe whose reply fails `check` is failed."""
    probes, started = await probe(fake, send, n, burst=burst)
    latencies, finished = [], started
    for p in probes:
        if check(p.interaction):
            first = p.interaction.callbacks[0].at
            latencies.append((first - p.interaction.dispatched_at) * 1000)
            finished = max(finished, first)
    return timing_of(latencies, n, finished - started)


async def measure_deferred(
    fake: FakeDiscord, command: str, send: Sender, check: Check, *, n: int, burst: bool = False
) -> ChartRow:
    """Dispatch -> first callback, and dispatch -> complete final message, of the same probes."""
    probes, started = await probe(fake, send, n, burst=burst)
    first, final, first_end, final_end = [], [], started, started
    for p in probes:
        if check(p.interaction) and p.done_at is not None:
            at = p.interaction.callbacks[0].at
            first.append((at - p.interaction.dispatched_at) * 1000)
            final.append((p.done_at - p.interaction.dispatched_at) * 1000)
            first_end, final_end = max(first_end, at), max(final_end, p.done_at)
    return ChartRow(
        command, timing_of(first, n, first_end - started), timing_of(final, n, final_end - started)
    )


def command_sender(
    fake: FakeDiscord,
    command: str,
    options: Mapping[str, Any]
    | Sequence[Mapping[str, Any]]
    | Callable[[], Mapping[str, Any]]
    | None = None,
    *,
    to_final: bool = False,
    timeout: float = 10.0,
    fresh_user: bool = False,
) -> Sender:
    """Probes invoking `command` with `options` (several: taken in turn; a function: called for
    each probe); awaits the reply."""
    if callable(options):
        next_options = options
    else:
        variants = itertools.cycle(options if isinstance(options, Sequence) else [options or {}])
        next_options = variants.__next__

    async def send() -> Probe:
        # Many people, not one: /country has a per-person cooldown.
        user = fake.add_member(next(iter(fake.guilds.values()))) if fresh_user else None
        inter = await fake.invoke(command, next_options(), user=user)
        with contextlib.suppress(AssertionError):  # no reply: the check fails it
            if to_final:
                await inter.final_message(timeout)
            else:
                await inter.response(timeout)
            return Probe(inter, time.monotonic())
        return Probe(inter, None)

    return send


def autocomplete_sender(
    fake: FakeDiscord, command: str, options: Mapping[str, Any], focused: str
) -> Sender:
    async def send() -> Probe:
        # fake.autocomplete() records its interaction before its first await, so this probe's
        # is the next in the fake's (insertion-ordered) record, even in a burst.
        index = len(fake.interactions)
        with contextlib.suppress(AssertionError):  # no reply: the check fails it
            await fake.autocomplete(command, options, focused=focused)
        done = time.monotonic()
        inter = list(fake.interactions.values())[index]
        if inter.type != AUTOCOMPLETE or inter.label != f"/{command}":
            raise RuntimeError(f"autocomplete probe took someone else's interaction: {inter}")
        return Probe(inter, done)

    return send


# ---- what counts as the right reply ------------------------------------------------------------
def _first_is(inter: FakeInteraction, kind: int) -> bool:
    return bool(inter.callbacks) and inter.callbacks[0].accepted and inter.callbacks[0].type == kind


def pong(inter: FakeInteraction) -> bool:
    return _first_is(inter, CHANNEL_MESSAGE) and inter.callbacks[0].content == "pong"


def embed_reply(inter: FakeInteraction) -> bool:
    """A public message with an embed: an error reply (ephemeral text) does not count."""
    if not _first_is(inter, CHANNEL_MESSAGE):
        return False
    first = inter.callbacks[0]
    return bool(first.embeds) and not first.ephemeral


def poland_first(inter: FakeInteraction) -> bool:
    if not _first_is(inter, AUTOCOMPLETE_RESULT):
        return False
    choices = inter.callbacks[0].choices
    return bool(choices) and choices[0].get("value") == "POL"


def chart_reply(inter: FakeInteraction) -> bool:
    """A public reply with a PNG attached that has alt text (deferred first or not)."""
    if not (inter.callbacks and inter.callbacks[0].accepted):
        return False
    messages = ([inter.original] if inter.original else []) + inter.followups
    has_png = any(f.data.startswith(PNG_SIGNATURE) and f.description for f in inter.files)
    return has_png and not any(m.ephemeral for m in messages)


def cold_chart_reply(inter: FakeInteraction) -> bool:
    """Drawn for this question: "thinking…" first (the ranking's pages come first instead)."""
    deferred = _first_is(inter, DEFERRED_CHANNEL_MESSAGE) or inter.label == "/ranking"
    return deferred and chart_reply(inter)


def cached_chart_reply(inter: FakeInteraction) -> bool:
    """From the cache: answered at once, chart included."""
    return _first_is(inter, CHANNEL_MESSAGE) and chart_reply(inter)


def chart_sender(
    fake: FakeDiscord, command: str, next_options: Callable[[], Mapping[str, Any]]
) -> Sender:
    """Probes invoking a chart command; each is done when its PNG has arrived."""

    async def send() -> Probe:
        # Many people, not one: /country has a per-person cooldown.
        user = fake.add_member(next(iter(fake.guilds.values())))
        inter = await fake.invoke(command, next_options(), user=user)
        with contextlib.suppress(AssertionError):  # no reply: the check fails it
            if command == "ranking":  # its pages first, then one chart for all of them
                await inter.followup(0, CHART_TIMEOUT)
            else:
                await inter.final_message(CHART_TIMEOUT)
            return Probe(inter, time.monotonic())
        return Probe(inter, None)

    return send


# ---- the event loop's stalls, and memory -------------------------------------------------------
@dataclass
class LoopLag:
    """A ticker that sleeps `interval` and records how late it wakes: the loop's stalls."""

    interval: float = 0.005
    lags_ms: list[float] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._tick(), name="bench-loop-lag")
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _tick(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.lags_ms.append(max(0.0, time.perf_counter() - start - self.interval) * 1000)

    @property
    def max_ms(self) -> float:
        return max(self.lags_ms, default=math.nan)

    def __str__(self) -> str:
        return (
            f"ticks={len(self.lags_ms):<5} p50={percentile(self.lags_ms, 0.5):6.2f} ms  "
            f"p99={percentile(self.lags_ms, 0.99):6.2f} ms  max={self.max_ms:6.2f} ms"
        )


@dataclass
class GcPauses:
    """Full (generation 2) garbage collections while active: each holds the GIL throughout."""

    pauses_ms: list[float] = field(default_factory=list)
    collected: int = 0
    tracked: int = 0  # objects the collector tracked when the phase ended
    _started: float = 0.0

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc_info: object) -> None:
        gc.callbacks.remove(self._callback)
        self.tracked = len(gc.get_objects())

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses_ms.append((time.perf_counter() - self._started) * 1000)
            self.collected += info["collected"]

    def __str__(self) -> str:
        if not self.pauses_ms:
            return "none"
        shown = ", ".join(f"{p:.0f}" for p in sorted(self.pauses_ms, reverse=True)[:5])
        return (
            f"{len(self.pauses_ms)}, longest {shown} ms; {self.collected} objects freed "
            f"({self.tracked} tracked at the end)"
        )


def rss() -> str:
    """Resident memory now (VmRSS), the peak so far (ru_maxrss), and child processes' now, in MB.

    Children count too: a bot that renders in a worker process must not look smaller for it.
    """
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    children = sum(_vm_rss_mb(pid) for pid in _descendants(os.getpid()))
    return (
        f"RSS {_vm_rss_mb(os.getpid()):6.1f} MB   peak {peak:6.1f} MB   "
        f"child processes {children:6.1f} MB"
    )


def rss_total_mb() -> float:
    """The bot's process and every process it started (chart workers), in MB."""
    return _vm_rss_mb(os.getpid()) + sum(_vm_rss_mb(pid) for pid in _descendants(os.getpid()))


def _vm_rss_mb(pid: int) -> float:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0  # gone, or a kernel without /proc


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as listed:
                for child in map(int, listed.read().split()):
                    found += [child, *_descendants(child)]
    return found


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


# ---- the run -----------------------------------------------------------------------------------
@dataclass
class Results:
    load_before: str = ""
    load_after: str = ""
    bare_ready_s: float = math.nan
    bot_ready_s: float = math.nan
    ping: Row | None = None
    rows: list[Row] = field(default_factory=list)
    charts: list[ChartRow] = field(default_factory=list)
    cold_chart_ms: float = math.nan
    #: Highest RSS of the bot plus its chart workers from ready to closed (MB), sampled
    #: every 10 ms: the start-up pre-render and every chart run included.
    peak_total_mb: float = 0.0
    prerendered: int = 0
    lag_idle: LoopLag = field(default_factory=LoopLag)
    lag_charts: dict[str, LoopLag] = field(default_factory=dict)
    gc_text: GcPauses = field(default_factory=GcPauses)
    gc_charts: GcPauses = field(default_factory=GcPauses)
    memory: list[tuple[str, str]] = field(default_factory=list)
    violations: dict[str, int] = field(default_factory=dict)
    leftover_tasks: list[str] = field(default_factory=list)


async def run(n: int, burst: int, chart_n: int, chart_burst: int) -> Results:
    results = Results(load_before=load())
    results.memory.append(("start", rss()))
    async with FakeDiscord() as fake:
        fake.add_guild("Bench")
        with fake.patched():
            await _bench_bare(fake, results, n, burst)
            results.memory.append(("bare bot closed", rss()))
            with tempfile.TemporaryDirectory(prefix="natobot-bench-") as tmp:
                await _bench_natobot(fake, Path(tmp), results, n, burst, chart_n, chart_burst)
            results.memory.append(("NatoBot closed", rss()))
        for violation in fake.take_violations():
            results.violations[violation.kind] = results.violations.get(violation.kind, 0) + 1
    results.leftover_tasks = await reap_leftover_tasks()
    results.load_after = load()
    return results


async def _bench_bare(fake: FakeDiscord, results: Results, n: int, burst: int) -> None:
    started = time.monotonic()
    async with fake.running(BareBot()):
        results.bare_ready_s = time.monotonic() - started
        results.memory.append(("bare bot ready", rss()))
        send = command_sender(fake, "ping")
        await measure(fake, send, pong, n=WARM_UP)
        results.ping = Row(
            "/ping (bare bot)",
            await measure(fake, send, pong, n=n),
            await measure(fake, send, pong, n=burst, burst=True),
        )
        results.memory.append(("after /ping", rss()))


def _settings(folder: Path, fake: FakeDiscord) -> Settings:
    """As tests/conftest.py builds them: no .env, a fresh database, the fake's owner."""
    values: dict[str, Any] = {
        "discord_token": "fake-token",
        "database_path": folder / "bench.sqlite3",
        "owner_ids": frozenset({fake.owner.id}),
    }
    return Settings(_env_file=None, **values)


async def _bench_natobot(
    fake: FakeDiscord,
    folder: Path,
    results: Results,
    n: int,
    burst: int,
    chart_n: int,
    chart_burst: int,
) -> None:
    started = time.monotonic()
    bot = NatoBot(_settings(folder, fake))
    memory = PeakSampler(rss_total_mb, interval=0.01)
    with memory:
        async with fake.running(bot):
            await fake.wait_for_commands()
            results.bot_ready_s = time.monotonic() - started
            results.memory.append(("NatoBot ready (DB seeded)", rss()))

            with results.gc_text:
                await _bench_text_commands(fake, results, n, burst)
            results.memory.append(("after text commands", rss()))

            with results.gc_charts:
                await _bench_chart(fake, bot, results, chart_n, chart_burst)
            results.memory.append(("after the chart commands", rss()))
    results.peak_total_mb = memory.peak


async def _bench_text_commands(fake: FakeDiscord, results: Results, n: int, burst: int) -> None:
    for command, options in TEXT_COMMANDS:
        send = command_sender(fake, command, options)
        await measure(fake, send, embed_reply, n=WARM_UP)
        sequential = await measure(fake, send, embed_reply, n=n)
        results.rows.append(
            Row(
                f"/{command}",
                sequential,
                await measure(fake, send, embed_reply, n=burst, burst=True),
            )
        )
    complete = autocomplete_sender(fake, "gap", {"country": "pol"}, "country")
    await measure(fake, complete, poland_first, n=WARM_UP)
    sequential = await measure(fake, complete, poland_first, n=n)
    results.rows.append(
        Row(
            "autocomplete country",
            sequential,
            await measure(fake, complete, poland_first, n=burst, burst=True),
        )
    )


async def _bench_chart(
    fake: FakeDiscord, bot: NatoBot, results: Results, chart_n: int, chart_burst: int
) -> None:
    async with results.lag_idle:
        await asyncio.sleep(0.5)  # the ticker's floor: timer resolution, other processes
    if bot.charts._prerendering is not None:  # the start-up pre-render: let it finish first
        results.prerendered = await bot.charts._prerendering
    for command in CHART_COMMANDS:
        fresh = cold_questions(command)
        seen: list[Mapping[str, Any]] = []

        def take(stream: Iterator[dict[str, Any]] = fresh, kept: list[Any] = seen) -> Any:
            options = next(stream)
            kept.append(options)
            return options

        # The first chart of a kind after start pays for fonts and code paths: not measured.
        first = await measure_deferred(
            fake, "first", chart_sender(fake, command, take), cold_chart_reply, n=1
        )
        if command == "country":
            results.cold_chart_ms = first.final.p50_ms
        runs: list[tuple[str, bool, int, bool]] = [
            (f"/{command} cold, {chart_n} in turn", True, chart_n, False),
            (f"/{command} cold, burst of {chart_burst}", True, chart_burst, True),
            (f"/{command} cached, {chart_n} in turn", False, chart_n, False),
            (f"/{command} cached, burst of {chart_burst}", False, chart_burst, True),
        ]
        for label, cold, n, burst in runs:
            if cold:
                sender, check = chart_sender(fake, command, take), cold_chart_reply
            else:
                asked = itertools.cycle(list(seen))
                sender, check = chart_sender(fake, command, asked.__next__), cached_chart_reply
            async with LoopLag() as lag:
                results.charts.append(
                    await measure_deferred(fake, label, sender, check, n=n, burst=burst)
                )
            results.lag_charts[label.removeprefix("/")] = lag
    # Live requests while a whole version is pre-rendered (as after an activation).
    bot.charts.forget()
    bot.charts.warm_version = None
    warming = chart_replies.keep_warm(bot)
    fresh = cold_questions("country")
    label = f"/country cold, {chart_n} in turn, while pre-rendering"
    async with LoopLag() as lag:
        results.charts.append(
            await measure_deferred(
                fake,
                label,
                chart_sender(fake, "country", fresh.__next__),
                cold_chart_reply,
                n=chart_n,
            )
        )
    results.lag_charts[label.removeprefix("/")] = lag
    if warming is not None:
        await warming


# ---- the report --------------------------------------------------------------------------------
def report(results: Results, n: int, burst: int) -> str:
    assert results.ping is not None, "the bare bot's figures are the reference"
    ping = results.ping
    bare_p50, bare_burst = ping.sequential.p50_ms, ping.burst.per_second
    lines = [
        f"discord.py {discord.__version__}, fake Discord on 127.0.0.1; {results.load_before}.",
        "Both bots run in the same process and event loop as the fake: the fake's own work",
        "(gateway JSON + zlib, HTTP parsing, rule checks) is inside every figure, /ping's too.",
        f"p50/p99/max: dispatch -> first callback at the fake, {n} one at a time (each once the",
        f"bot is quiet). burst/s: {burst} sent at once, completed per second of wall time.",
        "",
        f"time to ready: bare bot {results.bare_ready_s * 1000:.0f} ms; NatoBot "
        f"{results.bot_ready_s * 1000:.0f} ms (new database seeded, cogs loaded, commands synced)",
        "",
    ]
    table: list[list[Any]] = []
    for row in [ping, *results.rows]:
        seq = row.sequential
        table.append(
            [
                row.command,
                seq.p50_ms,
                seq.p99_ms,
                seq.max_ms,
                row.burst.per_second,
                f"{seq.p50_ms / bare_p50:.2f}x",
                seq.failed + row.burst.failed,
            ]
        )
    for chart in results.charts:
        for timing, what in ((chart.first, "first response (defer)"), (chart.final, "final + PNG")):
            table.append(
                [
                    f"{chart.command}: {what}",
                    timing.p50_ms,
                    timing.p99_ms,
                    timing.max_ms,
                    timing.per_second if timing is chart.final else None,
                    f"{timing.p50_ms / bare_p50:.2f}x",
                    timing.failed,
                ]
            )
    headers = ["command", "p50 ms", "p99 ms", "max ms", "burst/s", "p50 vs bare", "failed"]
    lines.append(tabulate(table, headers=headers, floatfmt=".2f", missingval="-"))
    lines += [
        "charts: cold = a question never asked before, so the chart is rendered; cached = asked",
        "before (the bot keeps each chart per dataset version and question). burst/s on their",
        "rows = charts completed per second. First cold /country after start: "
        f"{results.cold_chart_ms:.0f} ms to its final message.",
        "",
        "event-loop lag (how late a 5 ms sleep wakes):",
        f"  idle, for reference            {results.lag_idle}",
    ]
    lines += [f"  during /{name:<44} {lag}" for name, lag in results.lag_charts.items()]
    lines += [
        "full garbage collections (each pauses every thread, the event loop's included):",
        f"  during the text commands       {results.gc_text}",
        f"  during the chart runs          {results.gc_charts}",
    ]
    lines += ["", "memory:"]
    lines += [f"  {phase:<26} {figure}" for phase, figure in results.memory]
    lines += ["", "goals:", _goals_table(results, bare_p50, bare_burst)]
    lines += _chart_goals(results)
    failed = sum(t.failed for r in results.rows for t in (r.sequential, r.burst))
    failed += sum(c.final.failed for c in results.charts)
    lines.append(
        verdict(failed == 0, f"every reply arrived and was the one expected ({failed} not)")
    )
    if results.violations:
        listed = ", ".join(f"{kind} x{count}" for kind, count in results.violations.items())
        lines.append(f"Discord rules broken (as the fake judged them): {listed}")
    if results.leftover_tasks:
        lines.append(
            "LEAK: tasks still pending after the bots and the fake closed (cancelled here): "
            + "; ".join(results.leftover_tasks)
        )
    lines.append(f"after the run: {results.load_after}")
    return "\n".join(lines)


def _goals_table(results: Results, bare_p50: float, bare_burst: float) -> str:
    rows = []
    for row in results.rows:
        seq, rate = row.sequential, row.burst.per_second
        rows.append(
            [
                row.command,
                verdict(seq.p50_ms <= TEXT_P50_VS_BARE * bare_p50, f"{seq.p50_ms:.2f} ms"),
                verdict(seq.p99_ms <= TEXT_P99_MS, f"{seq.p99_ms:.2f} ms"),
                verdict(rate >= BURST_VS_BARE * bare_burst, f"{rate:.0f}/s"),
            ]
        )
    headers = [
        "text command",
        f"p50 <= {TEXT_P50_VS_BARE:g}x bare ({TEXT_P50_VS_BARE * bare_p50:.2f} ms)",
        f"p99 <= {TEXT_P99_MS:g} ms",
        f"burst >= {BURST_VS_BARE:g}x bare ({BURST_VS_BARE * bare_burst:.0f}/s)",
    ]
    return str(tabulate(rows, headers=headers))


def _chart_goals(results: Results) -> list[str]:
    lines = []
    for chart in results.charts:
        name, final = chart.command, chart.final
        if "cached" in name:
            ok, figure = final.p99_ms <= CACHED_CHART_MS, f"p99 {final.p99_ms:.1f} ms <= "
            figure += f"{CACHED_CHART_MS:g} ms"
        elif "burst" in name:
            ok = final.max_ms <= CHART_BURST_LAST_MS
            figure = f"last of the burst {final.max_ms:.0f} ms <= {CHART_BURST_LAST_MS:g} ms"
        else:
            ok, figure = final.p99_ms <= CHART_P99_MS, f"p99 {final.p99_ms:.0f} ms <= "
            figure += f"{CHART_P99_MS:g} ms"
        lines.append(verdict(ok and not final.failed, f"{name}: final message {figure}"))
    for name, lag in results.lag_charts.items():
        lines.append(
            verdict(
                lag.max_ms <= LOOP_STALL_MS,
                f"event loop never stalled > {LOOP_STALL_MS:g} ms during /{name}: "
                f"max {lag.max_ms:.1f} ms",
            )
        )
    lines.append(
        verdict(
            results.peak_total_mb <= RSS_MB,
            f"bot plus chart workers <= {RSS_MB:g} MB RSS: "
            f"peak seen {results.peak_total_mb:.0f} MB",
        )
    )
    lines.append(f"start-up pre-render drew {results.prerendered} charts before the chart runs")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench commands", description=__doc__)
    parser.add_argument("--n", type=int, default=200, help="sequential runs per command")
    parser.add_argument("--burst", type=int, default=200, help="interactions sent at once")
    parser.add_argument("--chart-n", type=int, default=20, help="sequential runs per chart")
    parser.add_argument("--chart-burst", type=int, default=6, help="charts sent at once")
    args = parser.parse_args(argv)
    # The fake logs every rule broken (late replies in a burst); the report counts them instead.
    logging.getLogger("tests.fakediscord").setLevel(logging.ERROR)
    results = asyncio.run(run(args.n, args.burst, args.chart_n, args.chart_burst))
    print(report(results, args.n, args.burst))


if __name__ == "__main__":
    main()
