"""The charts' font covers every script the allies' languages are written in: no tofu."""

from __future__ import annotations

import warnings

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.textpath import TextPath

from bot.render import charts

#: A line per script or set of diacritics the shipped and coming languages need, with the
#: typography their numbers use: U+2212 minus, no-break and narrow no-break spaces, quotes.
SAMPLES = {
    "Greek": "Ελλάδα: αμυντικές δαπάνες, ΑΕΠ ΐ ΰ ώ",
    "Bulgarian Cyrillic": "България: разходи за отбрана, БВП ъ ь ю я щ Ѝ ѝ",
    "Turkish": "Türkiye: savunma harcaması, GSYH ğ Ğ ı İ ş Ş ç ö ü",
    "Czech": "Česko: výdaje na obranu ě š č ř ž ý á í é ů ú ď ť ň Ř",
    "Polish": "Polska: wydatki na obronność ą ć ę ł ń ó ś ź ż Ł Ż",
    "Romanian": "România: cheltuieli de apărare ș ț Ș Ț ă â î",
    "Hungarian, Lithuanian, Croatian": "Magyarország ő ű Ő Ű; Lietuva ė į ų ū; Hrvatska đ Đ",
    "Nordic, German, French": "Danmark æ ø å; Deutschland ß ẞ; dépenses « œ » Ÿ",
    "numbers": "−2,69\u00a0% 1\u202f234,50 „44,9 Mrd. USD“ ‘’ – … ‰",
}


def missing_glyph_warnings(text: str) -> list[str]:
    """matplotlib's "Glyph ... missing from font(s)" warnings while drawing ``text`` as the
    charts do: as a Text on an Agg figure (titles, axes) and as an outline (bar labels)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure = Figure(figsize=(4, 1), dpi=50)
        FigureCanvasAgg(figure)
        figure.text(0.01, 0.5, text, fontsize=charts.BASE_PT)
        figure.canvas.draw()
        TextPath((0, 0), text, prop=FontProperties(size=charts.BASE_PT))
    return [str(w.message) for w in caught if "missing from" in str(w.message)]


@pytest.mark.parametrize("script", SAMPLES)
def test_the_chart_font_draws_every_script(script: str) -> None:
    assert missing_glyph_warnings(SAMPLES[script]) == []


def test_a_missing_glyph_is_noticed() -> None:
    # Japanese is no ally's language: the bundled DejaVu Sans has no kanji, and says so.
    assert missing_glyph_warnings("防衛費")


def test_the_charts_draw_with_dejavu_sans() -> None:
    # matplotlib's bundled DejaVu Sans: no system font is needed for any of the above.
    assert findfont(FontProperties()).endswith("DejaVuSans.ttf")
