"""Each chart as a phone shows it: drawn by the bot's renderers from the bundled dataset, scaled
down to 400 px wide with Pillow, written to docs/charts/<name>.png with its alt text in
docs/charts/README.md.

    .venv/bin/python -m docs.charts.make
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot import analytics, chart_replies  # noqa: E402
from bot.chart_replies import ChartReply  # noqa: E402
from bot.render import chart_wording, charts  # noqa: E402
from tests.support.snapshots import bundled_snapshot  # noqa: E402

HERE = Path(__file__).resolve().parent
PHONE_WIDTH = 400


def examples() -> list[tuple[str, str, ChartReply]]:
    """(file name, the command, its chart), one of each kind."""
    snap = bundled_snapshot()
    return [
        (
            "summary-2",
            "/summary year:2024 target:2 release:2024-06",
            chart_replies.summary_reply(
                snap, analytics.summary(snap, release_id="2024-06", year=2024, target=2.0)
            ),
        ),
        (
            "summary-5",
            "/summary target:5",
            chart_replies.summary_reply(snap, analytics.summary(snap, target=5.0)),
        ),
        (
            "ranking",
            "/ranking",
            chart_replies.ranking_reply(snap, analytics.ranking(snap)),
        ),
        (
            "compare",
            '/compare countries:"pl, de, fr" (target 3.5)',
            chart_replies.compare_reply(
                snap, analytics.compare(snap, ["POL", "DEU", "FRA"], target=3.5)
            ),
        ),
        (
            "gap-2",
            "/gap country:Spain year:2024 target:2 release:2024-06",
            chart_replies.gap_reply(
                snap, analytics.gap(snap, "ESP", release_id="2024-06", year=2024, target=2.0)
            ),
        ),
        (
            "gap-3.5",
            "/gap country:Germany target:3.5",
            chart_replies.gap_reply(snap, analytics.gap(snap, "DEU", target=3.5)),
        ),
        (
            "country",
            "/country country:pl",
            chart_replies.profile_reply(snap, analytics.profile(snap, "POL")),
        ),
    ]


def phone_png(png: bytes) -> bytes:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    height = round(image.height * PHONE_WIDTH / image.width)
    small = image.resize((PHONE_WIDTH, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, format="png", optimize=True)
    return out.getvalue()


def main() -> None:
    rows = [
        "# The charts, at phone width",
        "",
        "Each chart as the bot draws it (1600 px wide), scaled down to 400 px: the width of a "
        "phone, where no text may be smaller than 12 px. Regenerate with "
        "`.venv/bin/python -m docs.charts.make`.",
        "",
        "| command | chart (400 px) | alt text (`discord.File(description=…)`) |",
        "|---|---|---|",
    ]
    for name, command, reply in examples():
        assert reply.job is not None, name
        png = charts.render(reply.job.kind, *reply.job.args)
        (HERE / f"{name}.png").write_bytes(phone_png(png))
        alt = reply.description.replace("|", "\\|")
        rows.append(f"| `{command}` | ![{name}]({name}.png) | {alt} |")
    rows += [
        "",
        "A release with one year only (the annual reports 2024-03 and 2025-04) gets no line "
        "chart: `/country`, `/compare` and `/gap` say so in one line, e.g. "
        f"“{chart_wording.one_year_line('2024-03', 2023)}”",
        "",
    ]
    (HERE / "README.md").write_text("\n".join(rows))


if __name__ == "__main__":
    main()
