"""Allies' names in the reader's language: Babel's (CLDR's) territory names, with NATO's own
short names where NATO writes them differently."""

from __future__ import annotations

import functools

from bot.countries import LocalNames
from bot.i18n.locales import Language

#: ISO 3166 alpha-3 -> alpha-2 for the allies (CLDR names territories by alpha-2).
ALPHA2: dict[str, str] = {
    "ALB": "AL", "BEL": "BE", "BGR": "BG", "CAN": "CA", "HRV": "HR", "CZE": "CZ", "DNK": "DK",
    "EST": "EE", "FIN": "FI", "FRA": "FR", "DEU": "DE", "GRC": "GR", "HUN": "HU", "ISL": "IS",
    "ITA": "IT", "LVA": "LV", "LTU": "LT", "LUX": "LU", "MNE": "ME", "NLD": "NL", "MKD": "MK",
    "NOR": "NO", "POL": "PL", "PRT": "PT", "ROU": "RO", "SVK": "SK", "SVN": "SI", "ESP": "ES",
    "SWE": "SE", "TUR": "TR", "GBR": "GB", "USA": "US",
}  # fmt: skip

#: Where NATO's own name in a language differs from CLDR's: NATO writes "Türkiye" in French
#: too (since 2022). In English the data's own names (members.csv) are NATO's.
NATO_NAMES: dict[str, dict[str, str]] = {
    "fr": {"TUR": "Türkiye"},
}


@functools.cache
def country_names(language: Language) -> LocalNames:
    """The allies' short names in ``language`` (``.shown``: iso3 -> name), keyed for
    autocomplete; none for English (the data's names are NATO's English ones)."""
    if language.locale.language == "en":
        return LocalNames.of({})
    territories = language.locale.territories
    names = {iso3: territories[a2] for iso3, a2 in ALPHA2.items() if a2 in territories}
    names.update(NATO_NAMES.get(language.catalog, {}))
    return LocalNames.of(names)
