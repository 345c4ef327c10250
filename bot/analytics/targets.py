"""The one registry of NATO's spending targets, and how a share is judged against each.

Every part of the bot that names a target (options, /settings, /targets, replies, the target
lines of charts, config validation) reads it from here; how a line is coloured is the chart's.
The rules (``SOURCES.md``, "One measure, two names"):

- 2% and 3.5% (and any custom target) are judged on the release's share, rounded half-up to two
  decimals, whatever NATO calls the measure ("defence" or "core defence" expenditure: one
  agreed definition);
- 5% is at least 3.5% core plus up to 1.5% defence-related spending, which NATO does not publish
  per ally: at or above 5% it is met; from 3.5% the core element is met and the rest is open;
  below 3.5% it is not met, because the core element is not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from bot.errors import InvalidTarget

#: Any target a user may ask for, in % of GDP. Targets are taken to two decimals, like shares.
MIN_TARGET = 0.5
MAX_TARGET = 10.0


class Judgement(StrEnum):
    """How a share is judged against a target."""

    #: The two-decimal share against the value.
    SHARE = "share"
    #: 5%: the share settles the 3.5% core element only; the up-to-1.5% part is not published.
    CORE_ELEMENT = "core_element"


class Pledge(StrEnum):
    """What a target was, for one year."""

    #: Wales 2014: allies would "aim to move towards" 2% within a decade.
    AIM = "aim"
    #: A yearly commitment (2% from 2024, after Vilnius 2023).
    COMMITMENT = "commitment"
    #: Agreed, to be met by ``Target.due_by`` (Hague 2025: 3.5% and 5% by 2035).
    DUE = "due"
    #: A custom target: nothing was agreed.
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Target:
    """One named target."""

    value: float
    #: Short name, as in titles: "Wales 2014 guideline".
    name: str
    #: A few words, for option help: "Wales 2014".
    short: str
    #: Where and when it was agreed.
    agreed: str
    #: What it measures, for /targets.
    meaning: str
    judgement: Judgement
    #: Years it was an aim (Wales), inclusive; None if never.
    aim_years: tuple[int, int] | None
    #: First year it is a commitment for every year (2% after Vilnius) ...
    commitment_from: int | None
    #: ... or the year it is to be met by (Hague).
    due_by: int | None
    #: % of defence spending (the equipment guideline) rather than % of GDP.
    of_defence_spending: bool = False
    #: The name and short name from ``commitment_from`` on, when the commitment has its own
    #: ("Vilnius 2023 commitment"); else ``name`` and ``short`` every year.
    commitment_name: str | None = None
    commitment_short: str | None = None

    @property
    def label(self) -> str:
        return f"{self.value:g}%"

    def name_in(self, year: int) -> str:
        """What the target was called that year: 'Wales 2014 guideline' to 2023, 'Vilnius 2023
        commitment' from 2024."""
        if self.commitment_name is not None and self.pledge(year) is Pledge.COMMITMENT:
            return self.commitment_name
        return self.name

    def short_in(self, year: int) -> str:
        if self.commitment_short is not None and self.pledge(year) is Pledge.COMMITMENT:
            return self.commitment_short
        return self.short

    def pledge(self, year: int) -> Pledge:
        if self.aim_years is not None and self.aim_years[0] <= year <= self.aim_years[1]:
            return Pledge.AIM
        if self.commitment_from is not None and year >= self.commitment_from:
            return Pledge.COMMITMENT
        if self.due_by is not None:
            return Pledge.DUE
        return Pledge.NONE


WALES = Target(
    value=2.0,
    name="Wales 2014 guideline",
    short="Wales 2014",
    agreed="Wales summit, September 2014; a yearly commitment since the Vilnius summit, July 2023",
    meaning="defence expenditure of at least 2% of GDP: an aim to move towards within a decade "
    "(2014-2023), then at least 2% every year from 2024",
    judgement=Judgement.SHARE,
    aim_years=(2014, 2023),
    commitment_from=2024,
    due_by=None,
    commitment_name="Vilnius 2023 commitment",
    commitment_short="Vilnius 2023",
)
HAGUE_CORE = Target(
    value=3.5,
    name="Hague 2025 core defence, by 2035",
    short="Hague core",
    agreed="The Hague summit, June 2025",
    meaning="at least 3.5% of GDP on core defence, on the agreed NATO definition of defence "
    "expenditure (the measure 2% is judged on), by 2035",
    judgement=Judgement.SHARE,
    aim_years=None,
    commitment_from=None,
    due_by=2035,
)
HAGUE_TOTAL = Target(
    value=5.0,
    name="Hague 2025 total, by 2035",
    short="Hague total",
    agreed="The Hague summit, June 2025",
    meaning="5% of GDP by 2035: at least 3.5% core defence plus up to 1.5% defence- and "
    "security-related spending (infrastructure, resilience, innovation, industry)",
    judgement=Judgement.CORE_ELEMENT,
    aim_years=None,
    commitment_from=None,
    due_by=2035,
)
EQUIPMENT = Target(
    value=20.0,
    name="equipment guideline",
    short="equipment",
    agreed="Wales summit, September 2014",
    meaning="at least 20% of defence expenditure on major equipment, including related R&D",
    judgement=Judgement.SHARE,
    aim_years=(2014, 2023),
    commitment_from=None,
    due_by=None,
    of_defence_spending=True,
)

#: The targets in % of GDP, in order: offered as suggestions, checked in every profile.
GDP_TARGETS: tuple[Target, ...] = (WALES, HAGUE_CORE, HAGUE_TOTAL)
#: The 5% commitment's core element, the part the tables can settle.
CORE_ELEMENT = HAGUE_CORE
#: A custom target has no agreed year; its yearly rise is shown towards the Hague year.
CUSTOM_HORIZON = HAGUE_CORE.due_by or 2035

_BY_VALUE = {t.value: t for t in GDP_TARGETS}
_CENT = Decimal("0.01")


def named(value: float) -> Target | None:
    """The named target of this value in % of GDP (None for a custom one)."""
    return _BY_VALUE.get(value)


def target_name(value: float, year: int) -> str:
    """The target as named in the year asked about: '2% (Wales 2014 guideline)' to 2023,
    '2% (Vilnius 2023 commitment)' from 2024; '2.5%' for a custom target."""
    target = named(value)
    return f"{value:g}% ({target.name_in(year)})" if target else f"{value:g}%"


def _another_measure(value: float) -> str:
    """Where to look for a target of another measure (the one people know: 20% equipment)."""
    if value != EQUIPMENT.value:
        return ""
    return (
        f"{EQUIPMENT.label} is NATO's {EQUIPMENT.name}, a share of defence spending "
        "rather than of GDP: /ranking metric:equipment ranks allies by it."
    )


def validate_target(value: float) -> float:
    """A target in range, taken to two decimals half-up (shares are published to two)."""
    if not (math.isfinite(value) and MIN_TARGET <= value <= MAX_TARGET):
        raise InvalidTarget(value, MIN_TARGET, MAX_TARGET, _another_measure(value))
    return float(Decimal(str(value)).quantize(_CENT, rounding=ROUND_HALF_UP))


def taken_from(asked: float, taken: float) -> float | None:
    """The target as asked, when taking it to two decimals changed it (2.005 -> 2.01)."""
    return None if asked == taken else asked


class Verdict(StrEnum):
    MEETS = "meets"
    BELOW = "below"
    #: 5%: the 3.5% core element is met; the up-to-1.5% part is not published.
    OPEN = "open"


def judge(share: Decimal, value: float) -> Verdict:
    """The verdict on a two-decimal share against a target in % of GDP."""
    target = named(value)
    if target is not None and target.judgement is Judgement.CORE_ELEMENT:
        if share >= Decimal(str(value)):
            return Verdict.MEETS
        return Verdict.OPEN if share >= Decimal(str(CORE_ELEMENT.value)) else Verdict.BELOW
    return Verdict.MEETS if share >= Decimal(str(value)) else Verdict.BELOW


def shortfall_to(value: float) -> float:
    """What a shortfall is measured to: the target, or for 5% its 3.5% core element."""
    target = named(value)
    if target is not None and target.judgement is Judgement.CORE_ELEMENT:
        return CORE_ELEMENT.value
    return value


def horizon(value: float, year: int) -> tuple[int | None, bool]:
    """The year a rise is needed by, and whether that year was agreed: 2035 for the Hague
    targets, assumed 2035 for a custom one; None for 2% (an aim, then a yearly commitment)."""
    target = named(value)
    if target is None:
        return CUSTOM_HORIZON, False
    return target.due_by, True
