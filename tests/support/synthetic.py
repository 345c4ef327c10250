"""A synthetic dataset of any size, for the reload benchmark and the crash test.

A directory as ``natobot data load DIR`` takes it: the bundled members.csv, a releases.csv of
made-up monthly releases, and one release file each, filled with every ally (and NATO's two
aggregates) for every year NATO could publish, until ``rows`` rows are written.
"""

from __future__ import annotations

import csv
import random
import shutil
from datetime import date
from importlib import resources
from pathlib import Path

from db.loader import MEMBERS_FILE, RECORD_COLUMNS, RELEASE_COLUMNS, RELEASES_FILE, load_bundled

FIRST_YEAR = 1949


def write_dataset(folder: Path, rows: int = 100_000, *, seed: int = 1) -> Path:
    """Write the dataset into ``folder`` (created); returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(
        Path(str(resources.files("db").joinpath("data", MEMBERS_FILE))), folder / MEMBERS_FILE
    )
    codes = [*sorted(c.iso3 for c in load_bundled().members), "NATO_EUR_CAN", "NATO_TOTAL"]
    years = range(FIRST_YEAR, date.today().year + 1)
    per_release = len(codes) * len(years)
    releases = -(-rows // per_release)
    chooser = random.Random(seed)
    release_ids = [f"{1990 + n // 12:04d}-{n % 12 + 1:02d}" for n in range(releases)]
    with (folder / RELEASES_FILE).open("w", newline="", encoding="utf-8") as manifest:
        writer = csv.writer(manifest)
        writer.writerow(RELEASE_COLUMNS)
        for rid in release_ids:
            writer.writerow([rid, f"Synthetic release {rid}", rid, "total", "", "synthetic"])
    left = rows
    for rid in release_ids:
        with (folder / f"{rid}.csv").open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(RECORD_COLUMNS)
            for code in codes:
                for year in years:
                    if left == 0:
                        break
                    left -= 1
                    share = round(chooser.uniform(0.5, 4.5), 2)
                    spend = round(chooser.uniform(100, 90_000), 1)
                    writer.writerow(
                        [code, year, "false", share, spend, "", round(chooser.uniform(5, 40), 2),
                         round(chooser.uniform(1, 500), 1), "", round(chooser.uniform(-10, 20), 1),
                         "table"]
                    )  # fmt: skip
    return folder
