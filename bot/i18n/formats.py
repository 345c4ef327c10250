"""Numbers, money, signs and dates as each language writes them, from Babel's locale data.

A figure keeps the data's own precision: the caller says how many decimals NATO gave.
"""

from __future__ import annotations

import copy
import datetime
import functools
import math
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import NumberPattern, format_compact_decimal, parse_pattern

from bot.i18n.locales import Language

#: The minus sign of every signed figure, in every language (not the hyphen).
MINUS = "\u2212"
#: Between a number and its unit: never broken across lines.
NBSP = "\u00a0"
#: Significant figures of a sum of money ('44.9', '5.11', '523').
MONEY_FIGURES = 3


@functools.cache
def _pattern(locale: Locale, kind: str, digits: int) -> NumberPattern:
    """The locale's own decimal or percent pattern, with exactly ``digits`` decimals."""
    source = locale.decimal_formats[None] if kind == "decimal" else locale.percent_formats[None]
    pattern = copy.copy(parse_pattern(source))
    pattern.frac_prec = (digits, digits)
    return pattern


def _half_up(value: float, digits: int) -> Decimal:
    """Rounded half-up, as NATO rounds (2.665 -> 2.67), from the shortest repr: 2.675 is
    2.675, never 2.67499999..."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _true_minus(text: str, locale: Locale) -> str:
    """A formatted number with the locale's minus sign (a hyphen in most) as U+2212."""
    return text.replace(locale.number_symbols["latn"]["minusSign"], MINUS)


def decimal(value: float, language: Language, digits: int = 2) -> str:
    """'1,234.50' (en), '1.234,50' (de), '1 234,50' (pl); negatives with U+2212."""
    locale = language.locale
    rounded = _half_up(value, digits)
    return _true_minus(_pattern(locale, "decimal", digits).apply(rounded, locale), locale)


def percent(points: float, language: Language, digits: int = 2) -> str:
    """A share given in percentage points: 2.69 -> '2.69%' (en), '2,69 %' (de, fr),
    '2,69%' (pl), '%2,69' (tr)."""
    locale = language.locale
    fraction = _half_up(points, digits) / 100  # exact: Babel's own rounding never acts
    return _true_minus(_pattern(locale, "percent", digits).apply(fraction, locale), locale)


def signed(text: str, value: float) -> str:
    """A change with its sign always shown: '+' or U+2212 before the formatted magnitude
    (``text`` formats ``abs(value)``); zero has no sign."""
    if value > 0:
        return f"+{text}"
    if value < 0:
        return f"{MINUS}{text}"
    return text


def signed_decimal(value: float, language: Language, digits: int = 2) -> str:
    """'+0.18', '−0,05'; what rounds to zero reads '0,00', never '−0,00'."""
    rounded = float(_half_up(value, digits))
    return signed(decimal(abs(rounded), language, digits), rounded)


def signed_percent(points: float, language: Language, digits: int = 2) -> str:
    """'+0,12 %', '−1,20 %'; zero has no sign."""
    rounded = float(_half_up(points, digits))
    return signed(percent(abs(rounded), language, digits), rounded)


def money_usd(amount_usd: float, language: Language) -> str:
    """A sum in US dollars, three significant figures, in the language's own short scale:
    '44.9B USD' (en), '44,9 Mrd. USD' (de), '44,9 mld USD' (pl), '523 Mio. USD' (de)."""
    if amount_usd == 0:
        return f"0{NBSP}USD"
    rounded = float(f"{abs(amount_usd):.{MONEY_FIGURES}g}")
    # Compact forms group by thousands: the mantissa's integer digits fix the decimals.
    exponent = math.floor(math.log10(rounded))
    whole_digits = exponent % 3 + 1 if rounded >= 1000 else exponent + 1
    digits = max(0, MONEY_FIGURES - whole_digits)
    shown = format_compact_decimal(rounded, locale=language.locale, fraction_digits=digits)
    text = f"{shown}{NBSP}USD"
    return f"{MINUS}{text}" if amount_usd < 0 else text


def money_usd_bn(amount_bn: float, language: Language) -> str:
    """A sum given in USD bn, as the data holds money."""
    return money_usd(amount_bn * 1e9, language)


def date(day: datetime.date, language: Language) -> str:
    """'June 1, 2024' (en), '1 czerwca 2024' (pl), '1. Juni 2024' (de)."""
    return format_date(day, "long", locale=language.locale)


def month(year: int, month_number: int, language: Language) -> str:
    """A release's month as a title: 'June 2024', 'czerwiec 2024', 'Haziran 2024'."""
    return format_skeleton("yMMMM", datetime.date(year, month_number, 1), locale=language.locale)
