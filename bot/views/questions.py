"""The one encoding of a /ranking question in a button's custom id, for its page buttons and
its Export CSV button alike: ``release/year/metric/order``, then ``/target`` when a target line
was asked for (the year may be empty: the release's latest).

Page buttons sent before this encoding carried ``metric/release/year/order/target``; such
messages may still be out there (after a restart, say), so ``decode`` reads them too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot import analytics
from bot.analytics import Metric, Order, Ranking
from bot.analytics.targets import MAX_TARGET, MIN_TARGET
from bot.models import Snapshot
from bot.views.paginator import UnreadableState

_METRICS = {m.value for m in Metric}


def _number(text: str) -> float | None:
    """A target as ``encode`` writes it (``:g``); None for anything else, NaN included."""
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True, slots=True)
class RankingQuestion:
    metric: Metric
    #: The release asked for (a page still says when it was replaced), or resolved (an export).
    release_id: str
    year: int | None
    order: Order
    #: The target line asked for (share rankings draw it).
    target: float | None = None

    @classmethod
    def of(cls, result: Ranking) -> RankingQuestion:
        """The question a ranking answered, release and year resolved."""
        return cls(result.metric, result.release_id, result.year, result.order, result.target)

    def encode(self) -> str:
        year = "" if self.year is None else str(self.year)
        text = f"{self.release_id}/{year}/{self.metric.value}/{self.order.value}"
        return text if self.target is None else f"{text}/{self.target:g}"

    @classmethod
    def decode(cls, text: str) -> RankingQuestion:
        """The question ``encode`` (or an older page button) wrote; ValueError when ``text`` has
        not the shape of one, UnreadableState naming the part no /ranking takes (a forged one)."""
        parts = text.split("/")
        if len(parts) == 5 and parts[0] in _METRICS:  # an older page button's
            metric, release, year, order, target = parts
        elif len(parts) in (4, 5):
            release, year, metric, order, *rest = parts
            target = rest[0] if rest else ""
        else:
            raise ValueError(f"not a ranking question: {text!r}")
        # A state this bot did not write (a forged click) is refused naming its first bad part.
        try:
            chosen = Metric(metric)
        except ValueError:
            raise UnreadableState("ranking", "metric", metric) from None
        if year and not (year.isascii() and year.isdigit()):
            raise UnreadableState("ranking", "year", year)
        try:
            ordered = Order(order)
        except ValueError:
            raise UnreadableState("ranking", "order", order) from None
        number = _number(target) if target else None
        if target and (number is None or not MIN_TARGET <= number <= MAX_TARGET):
            raise UnreadableState("ranking", "target", target)
        return cls(chosen, release, int(year) if year else None, ordered, number)

    def ask(self, snap: Snapshot) -> Ranking:
        return analytics.ranking(
            snap,
            metric=self.metric,
            release_id=self.release_id,
            year=self.year,
            order=self.order,
            target=self.target,
        )
