"""What NATO's files and ours look like: file names, columns, and the caps on what is read."""

from __future__ import annotations

MEMBERS_FILE = "members.csv"
RELEASES_FILE = "releases.csv"
#: ``source`` of a dataset version that came with the code (db/data).
BUNDLED_SOURCE = "bundled"
#: The title of NATO's annual series, as its workbooks and press releases print it.
NATO_TITLE = "Defence Expenditure of NATO Countries"
ALIASES_FILE = "aliases.csv"

MEMBER_COLUMNS = ("iso3", "name", "joined", "has_armed_forces")
RELEASE_COLUMNS = ("release", "title", "published", "basis", "price_base", "coverage")
RECORD_COLUMNS = (
    "iso3",
    "year",
    "estimate",
    "pct_gdp",
    "spend_usd_m",
    "gdp_usd_bn",
    "equipment_pct",
    "personnel_k",
    "spend_per_capita_usd_2015",
    "real_change_pct",
    "provenance",
)
#: Columns a file may leave out, with the value every row then gets. Release files written before
#: the ``provenance`` column existed were all read from NATO's own tables.
OPTIONAL_RECORD_COLUMNS: dict[str, str] = {"provenance": "table"}
ALIAS_COLUMNS = ("iso3", "alias")

#: NATO was founded in 1949; a figure for next year can only be a published plan.
FIRST_YEAR = 1949

#: The largest dataset file read, from disk, an upload or a download (the bundled release
#: files are ~60 KB). Checked before reading, so a huge or endless file costs nothing.
MAX_FILE_BYTES = 5 * 1024 * 1024
#: Problems kept with their details; past this they are only counted, so a file of a million
#: bad rows reports "1,000,000 problems" in bounded memory.
MAX_PROBLEMS_KEPT = 1000
