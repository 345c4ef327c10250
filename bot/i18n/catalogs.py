"""The gettext catalogs in ``bot/locales``: read, compiled in memory, checked.

Each language is one ``.po`` file, ``bot/locales/<catalog>/LC_MESSAGES/natobot.po``. It is
compiled when first used, in memory, into the ``.mo`` form gettext reads: nothing generated is
committed or installed, so a clean clone, an editable install and CI all have every catalog
there is, and a catalog can never be older than its ``.po``. A catalog is offered only when it
is complete: every message translated, none fuzzy.
"""

from __future__ import annotations

import functools
import io
import string
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

from babel.messages.catalog import Catalog, Message, TranslationError
from babel.messages.checkers import num_plurals
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

#: The gettext domain: the catalogs' file name.
DOMAIN = "natobot"
#: The language the messages are written in: it needs no catalog.
SOURCE = "en"


def _root() -> Traversable:
    return resources.files("bot").joinpath("locales")


def template() -> Traversable:
    """The template (``natobot.pot``) that ``make i18n-extract`` writes."""
    return _root().joinpath(f"{DOMAIN}.pot")


def po_file(catalog: str) -> Traversable:
    return _root().joinpath(catalog, "LC_MESSAGES", f"{DOMAIN}.po")


def available() -> tuple[str, ...]:
    """Every catalog in the repository, complete or not: 'cs', 'de', 'pt_BR', ..."""
    return tuple(
        sorted(
            entry.name
            for entry in _root().iterdir()
            if entry.is_dir() and entry.joinpath("LC_MESSAGES", f"{DOMAIN}.po").is_file()
        )
    )


@functools.cache
def read(catalog: str) -> Catalog:
    """The parsed ``.po`` of a catalog (KeyError if there is none)."""
    path = po_file(catalog)
    if not path.is_file():
        raise KeyError(catalog)
    with path.open("rb") as po:
        return read_po(po, locale=catalog, domain=DOMAIN)


@functools.cache
def translations(catalog: str) -> Translations:
    """gettext's view of a catalog, plural forms from its header; the source language's is
    empty (every message is its own translation)."""
    if catalog == SOURCE:
        return Translations(domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, read(catalog))
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def _messages(catalog: Catalog) -> Iterator[Message]:
    return (m for m in catalog if m.id)


def untranslated(catalog: Catalog) -> list[Message]:
    """Messages with an empty form, or fuzzy (a guess gettext would not use)."""
    return [
        m
        for m in _messages(catalog)
        if m.fuzzy or not (all(m.string) if isinstance(m.string, list | tuple) else m.string)
    ]


def is_complete(catalog: str) -> bool:
    return not untranslated(read(catalog))


@functools.cache
def offered() -> tuple[str, ...]:
    """The catalogs a reader may get: the source language and every complete catalog."""
    return (SOURCE, *(c for c in available() if is_complete(c)))


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True, slots=True)
class Problem:
    catalog: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{po_file(self.catalog)}:{self.line}: {self.message}"


def _fields(text: str) -> set[str]:
    """The ``{placeholders}`` of a message (str.format style, the only style used here)."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:  # an unbalanced brace: the caller reports it
        return {"{"}


def _forms(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def problems(catalog: str) -> list[Problem]:
    """What is wrong with a shipped catalog's translations (``problems_in``)."""
    return problems_in(read(catalog), catalog)


def problems_in(parsed: Catalog, catalog: str) -> list[Problem]:
    """What is wrong with a catalog's translations: Babel's plural-count checker, and the
    ``{placeholders}`` of every translation the same as its message's."""
    found: list[Problem] = []
    for message in _messages(parsed):
        try:
            num_plurals(parsed, message)
        except TranslationError as error:
            found.append(Problem(catalog, message.lineno, f"{message.id!r}: {error}"))
        wrong = _placeholder_problem(message)
        if wrong is not None:
            found.append(Problem(catalog, message.lineno, wrong))
    return found


def _placeholder_problem(message: Message) -> str | None:
    """A form with a placeholder its message lacks, or a placeholder no form uses. A plural
    form may leave the count out ("jedno" for 1) as long as another form has it."""
    ids = _forms(message.id)
    expected = set().union(*(_fields(i) for i in ids))
    forms = [f for f in _forms(message.string) if f]
    for form in forms:
        got = _fields(form)
        if got - expected or (not message.pluralizable and got != expected):
            return (
                f"{ids[0]!r}: placeholders {sorted(got)} in {form!r}, expected {sorted(expected)}"
            )
    unused = expected - set().union(*(_fields(f) for f in forms))
    if forms and unused:
        return f"{ids[0]!r}: no form uses {sorted(unused)}"
    return None
