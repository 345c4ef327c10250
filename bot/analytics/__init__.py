"""What the bot computes from NATO's figures, one module per question.

Every function here is pure: it takes a ``Snapshot`` (the active dataset) and parameters and
returns a frozen pydantic result. No I/O, no discord, no SQL, no wording: reasons are enums,
and ``bot.render.wording`` says them.

- ``targets``: the one registry of 2%, 3.5%, 5% and the 20% equipment guideline, and the verdict
  rules (``judge``);
- ``summary``, ``ranking``, ``gap``, ``profile`` (and ``compare``), ``revisions``: the questions;
- ``_common``: rounding, lookups, NATO's aggregates, where figures came from.

``from bot import analytics; analytics.summary(...)`` works: the questions are re-exported here.
"""

from __future__ import annotations

from bot.analytics import targets
from bot.analytics._common import (
    AGGREGATE_NAMES,
    AggregateShare,
    Footnote,
    NoFigures,
    Result,
    Sourcing,
    aggregate_country,
    competition_ranks,
    exact_median,
    is_aggregate,
    round_half_up,
    rounded_share,
)
from bot.analytics.figure_notes import Doubt, FigureNote, figure_note
from bot.analytics.gap import (
    PACE_YEARS,
    PROJECTION_LIMIT,
    Gap,
    LaterYear,
    NoReach,
    PathToTarget,
    Standing,
    gap,
)
from bot.analytics.profile import (
    MAX_COMPARE,
    MIN_COMPARE,
    AllyFigures,
    Comparison,
    ComparisonRow,
    InvalidComparison,
    Profile,
    SeriesPoint,
    TargetCheck,
    compare,
    profile,
)
from bot.analytics.ranking import (
    AggregateValue,
    Metric,
    MetricNotPublished,
    Order,
    Ranking,
    RankingRow,
    ranking,
)
from bot.analytics.revisions import RevisionChange, RevisionRow, Revisions, revisions
from bot.analytics.summary import AllyShare, ComplianceSummary, PreviousYear, summary
from bot.analytics.targets import Pledge, Target, Verdict, judge, target_name, validate_target

__all__ = [
    "AGGREGATE_NAMES",
    "MAX_COMPARE",
    "MIN_COMPARE",
    "PACE_YEARS",
    "PROJECTION_LIMIT",
    "AggregateShare",
    "AggregateValue",
    "AllyFigures",
    "AllyShare",
    "Comparison",
    "ComparisonRow",
    "ComplianceSummary",
    "Doubt",
    "FigureNote",
    "Footnote",
    "Gap",
    "InvalidComparison",
    "LaterYear",
    "Metric",
    "MetricNotPublished",
    "NoFigures",
    "NoReach",
    "Order",
    "PathToTarget",
    "Pledge",
    "PreviousYear",
    "Profile",
    "Ranking",
    "RankingRow",
    "Result",
    "RevisionChange",
    "RevisionRow",
    "Revisions",
    "SeriesPoint",
    "Sourcing",
    "Standing",
    "Target",
    "TargetCheck",
    "Verdict",
    "aggregate_country",
    "compare",
    "competition_ranks",
    "exact_median",
    "figure_note",
    "gap",
    "is_aggregate",
    "judge",
    "profile",
    "ranking",
    "revisions",
    "round_half_up",
    "rounded_share",
    "summary",
    "target_name",
    "targets",
    "validate_target",
]
