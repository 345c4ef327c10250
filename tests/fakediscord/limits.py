"""Discord's documented message, component and autocomplete limits.

Each check returns FieldErrors; the server turns them into Discord's 50035 "Invalid Form Body"
answer (nested "errors" object) and records a violation.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .models import COMPONENTS_V2_FLAG, JSON, walk_components

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_AUTHOR_NAME = 256
MAX_EMBEDS_TOTAL = 6000
MAX_ACTION_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80
MAX_SELECT_OPTIONS = 25
MAX_CHOICES = 25
MAX_CHOICE_NAME = 100
MAX_CHOICE_STRING_VALUE = 100
MAX_FILES = 10
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
MAX_MODAL_TITLE = 45

MAX_NAME = 32
MAX_DESCRIPTION = 100
#: Discord's locales, the keys of ``name_localizations`` and ``description_localizations``.
LOCALES = frozenset({
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl",
    "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi",
    "th", "zh-CN", "ja", "zh-TW", "ko",
})  # fmt: skip
#: Devanagari and Thai: Discord's name pattern allows these scripts' marks too.
_NAME_SCRIPTS = ((0x0900, 0x097F), (0xA8E0, 0xA8FF), (0x0E00, 0x0E7F))


def valid_name(name: str) -> bool:
    """Discord's ``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, in lowercase."""
    return (
        1 <= len(name) <= MAX_NAME
        and name == name.lower()
        and all(
            ch in "-_'"
            or unicodedata.category(ch)[0] in "LN"
            or any(low <= ord(ch) <= high for low, high in _NAME_SCRIPTS)
            for ch in name
        )
    )


URL_SCHEMES = ("http://", "https://", "attachment://")


@dataclass(frozen=True)
class FieldError:
    path: tuple[str, ...]
    code: str
    message: str

    def __str__(self) -> str:
        return f"{'.'.join(self.path)}: {self.message}"


def _too_long(path: tuple[str, ...], limit: int) -> FieldError:
    return FieldError(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def check_message(payload: JSON, prefix: tuple[str, ...] = ()) -> list[FieldError]:
    """Content, embeds and components of a message body (create or edit)."""
    errors: list[FieldError] = []
    content = payload.get("content")
    if isinstance(content, str) and len(content) > MAX_CONTENT:
        errors.append(_too_long((*prefix, "content"), MAX_CONTENT))
    embeds = payload.get("embeds")
    if isinstance(embeds, list):
        errors += check_embeds(embeds, (*prefix, "embeds"))
    components = payload.get("components")
    if isinstance(components, list):
        v2 = bool(int(payload.get("flags") or 0) & COMPONENTS_V2_FLAG)
        errors += check_components(components, (*prefix, "components"), v2=v2)
    return errors


def check_embeds(embeds: list[Any], prefix: tuple[str, ...]) -> list[FieldError]:
    errors: list[FieldError] = []
    if len(embeds) > MAX_EMBEDS:
        errors.append(
            FieldError(prefix, "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_EMBEDS} or fewer in length.")
        )
    total = 0
    for index, embed in enumerate(embeds):
        here = (*prefix, str(index))
        if not isinstance(embed, dict):
            errors.append(
                FieldError(
                    here, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType"
                )
            )
            continue
        title, description = _text(embed.get("title")), _text(embed.get("description"))
        footer = _text((embed.get("footer") or {}).get("text"))
        author = _text((embed.get("author") or {}).get("name"))
        total += len(title) + len(description) + len(footer) + len(author)
        for key, text, limit in (
            (("title",), title, MAX_EMBED_TITLE),
            (("description",), description, MAX_EMBED_DESCRIPTION),
            (("footer", "text"), footer, MAX_FOOTER),
            (("author", "name"), author, MAX_AUTHOR_NAME),
        ):
            if len(text) > limit:
                errors.append(_too_long((*here, *key), limit))
        fields = embed.get("fields") or []
        if len(fields) > MAX_EMBED_FIELDS:
            errors.append(_too_long((*here, "fields"), MAX_EMBED_FIELDS))
        for findex, embed_field in enumerate(fields):
            name, value = _text(embed_field.get("name")), _text(embed_field.get("value"))
            total += len(name) + len(value)
            fpath = (*here, "fields", str(findex))
            if not name:
                errors.append(
                    FieldError((*fpath, "name"), "BASE_TYPE_REQUIRED", "This field is required")
                )
            if not value:
                errors.append(
                    FieldError((*fpath, "value"), "BASE_TYPE_REQUIRED", "This field is required")
                )
            if len(name) > MAX_FIELD_NAME:
                errors.append(_too_long((*fpath, "name"), MAX_FIELD_NAME))
            if len(value) > MAX_FIELD_VALUE:
                errors.append(_too_long((*fpath, "value"), MAX_FIELD_VALUE))
        errors += _check_url(embed.get("url"), (*here, "url"))
        for picture in ("image", "thumbnail"):
            errors += _check_url((embed.get(picture) or {}).get("url"), (*here, picture, "url"))
    if total > MAX_EMBEDS_TOTAL:
        errors.append(
            FieldError(
                prefix,
                "MAX_EMBED_SIZE_EXCEEDED",
                f"Embed size exceeds maximum size of {MAX_EMBEDS_TOTAL} (was {total})",
            )
        )
    return errors


def _check_url(url: Any, path: tuple[str, ...]) -> list[FieldError]:
    if url is None or (isinstance(url, str) and url.startswith(URL_SCHEMES)):
        return []
    return [FieldError(path, "URL_TYPE_INVALID_URL", f"Not a well formed URL: {url!r}")]


def check_components(
    components: list[Any], prefix: tuple[str, ...], *, v2: bool = False
) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for component in walk_components(components):
        custom_id = component.get("custom_id")
        if isinstance(custom_id, str):
            if len(custom_id) > MAX_CUSTOM_ID:
                errors.append(_too_long((*prefix, "custom_id"), MAX_CUSTOM_ID))
            if custom_id in seen:
                errors.append(
                    FieldError(
                        (*prefix, "custom_id"),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        f"Component custom id cannot be duplicated: {custom_id!r}",
                    )
                )
            seen.add(custom_id)
        if component.get("type") == 2 and len(_text(component.get("label"))) > MAX_BUTTON_LABEL:
            errors.append(_too_long((*prefix, "label"), MAX_BUTTON_LABEL))
        if component.get("type") == 3 and len(component.get("options") or []) > MAX_SELECT_OPTIONS:
            errors.append(_too_long((*prefix, "options"), MAX_SELECT_OPTIONS))
    if v2:
        return errors
    if len(components) > MAX_ACTION_ROWS:
        errors.append(_too_long(prefix, MAX_ACTION_ROWS))
    for index, row in enumerate(components):
        here = (*prefix, str(index))
        if not isinstance(row, dict) or row.get("type") != 1:
            errors.append(
                FieldError(here, "UNION_TYPE_CHOICES", "Top-level components must be action rows")
            )
            continue
        children = row.get("components") or []
        if not children:
            errors.append(
                FieldError(
                    (*here, "components"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."
                )
            )
        buttons = [c for c in children if c.get("type") == 2]
        if len(buttons) > MAX_ROW_BUTTONS:
            errors.append(_too_long((*here, "components"), MAX_ROW_BUTTONS))
        if len(buttons) != len(children) and len(children) > 1:
            errors.append(
                FieldError(
                    (*here, "components"),
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "A select menu must be alone in its action row",
                )
            )
    return errors


def check_choices(choices: Any, option_type: int | None) -> list[FieldError]:
    prefix = ("data", "choices")
    if not isinstance(choices, list):
        return [FieldError(prefix, "BASE_TYPE_REQUIRED", "This field is required")]
    errors: list[FieldError] = []
    if len(choices) > MAX_CHOICES:
        errors.append(_too_long(prefix, MAX_CHOICES))
    for index, choice in enumerate(choices):
        here = (*prefix, str(index))
        name = choice.get("name") if isinstance(choice, dict) else None
        value = choice.get("value") if isinstance(choice, dict) else None
        if not isinstance(name, str) or not 1 <= len(name) <= MAX_CHOICE_NAME:
            errors.append(
                FieldError(
                    (*here, "name"),
                    "BASE_TYPE_BAD_LENGTH",
                    f"Must be between 1 and {MAX_CHOICE_NAME} in length.",
                )
            )
        if option_type == 3 and (
            not isinstance(value, str) or len(value) > MAX_CHOICE_STRING_VALUE
        ):
            errors.append(_too_long((*here, "value"), MAX_CHOICE_STRING_VALUE))
        if option_type == 4 and (not isinstance(value, int) or isinstance(value, bool)):
            errors.append(
                FieldError((*here, "value"), "NUMBER_TYPE_COERCE", f"Value {value!r} is not int.")
            )
        if option_type == 10 and (not isinstance(value, int | float) or isinstance(value, bool)):
            errors.append(
                FieldError(
                    (*here, "value"), "NUMBER_TYPE_COERCE", f"Value {value!r} is not a number."
                )
            )
    return errors


def check_modal(data: JSON) -> list[FieldError]:
    errors: list[FieldError] = []
    if len(_text(data.get("title"))) > MAX_MODAL_TITLE:
        errors.append(_too_long(("data", "title"), MAX_MODAL_TITLE))
    custom_id = data.get("custom_id")
    if not isinstance(custom_id, str) or len(custom_id) > MAX_CUSTOM_ID:
        errors.append(_too_long(("data", "custom_id"), MAX_CUSTOM_ID))
    components = data.get("components") or []
    if not 1 <= len(components) <= MAX_ACTION_ROWS:
        errors.append(
            FieldError(
                ("data", "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
            )
        )
    return errors


def check_file_sizes(sizes: list[tuple[str, int]]) -> list[FieldError]:
    errors: list[FieldError] = []
    if len(sizes) > MAX_FILES:
        errors.append(_too_long(("files",), MAX_FILES))
    for filename, size in sizes:
        if size > MAX_ATTACHMENT_BYTES:
            errors.append(
                FieldError(
                    ("files", filename),
                    "ENTITY_TOO_LARGE",
                    f"{filename} is {size} bytes, over 25 MiB",
                )
            )
    return errors


def check_command(command: JSON, prefix: tuple[str, ...]) -> list[FieldError]:
    """The parts of an application command Discord validates on sync."""
    errors: list[FieldError] = []
    kind = command.get("type", 1)
    if kind == 1:
        errors += _check_names_and_descriptions(command, prefix)
    errors += _check_options(command.get("options") or [], (*prefix, "options"))
    return errors


def _invalid_name(path: tuple[str, ...], name: str) -> FieldError:
    return FieldError(path, "APPLICATION_COMMAND_INVALID_NAME", f"Invalid name {name!r}")


def _bad_length(path: tuple[str, ...], limit: int) -> FieldError:
    return FieldError(path, "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {limit} in length.")


def _localizations(
    item: JSON, key: str, path: tuple[str, ...]
) -> tuple[dict[str, str], list[FieldError]]:
    """An item's ``name_localizations`` or ``description_localizations``, and what is wrong with
    its shape (a locale Discord does not have, a value that is not text)."""
    given = item.get(key)
    if given is None:
        return {}, []
    if not isinstance(given, dict):
        return {}, [FieldError((*path, key), "DICT_TYPE_CONVERT", "Only dictionaries may be used")]
    errors = [
        FieldError((*path, key, str(locale)), "LOCALE_INVALID", f"Invalid locale {locale!r}")
        for locale in given
        if locale not in LOCALES
    ]
    texts = {str(locale): value for locale, value in given.items() if isinstance(value, str)}
    errors += [
        FieldError((*path, key, str(locale)), "BASE_TYPE_REQUIRED", "Must be a string")
        for locale, value in given.items()
        if not isinstance(value, str)
    ]
    return texts, errors


def _check_names_and_descriptions(item: JSON, path: tuple[str, ...]) -> list[FieldError]:
    """A command's or option's name and description, and every localisation of them, held to
    the same rules: Discord refuses a bad localisation as it refuses a bad name."""
    names, errors = _localizations(item, "name_localizations", path)
    descriptions, more = _localizations(item, "description_localizations", path)
    errors += more
    name = _text(item.get("name"))
    if not valid_name(name):
        errors.append(_invalid_name((*path, "name"), name))
    for locale, localized in names.items():
        if not valid_name(localized):
            errors.append(_invalid_name((*path, "name_localizations", locale), localized))
    if not 1 <= len(_text(item.get("description"))) <= MAX_DESCRIPTION:
        errors.append(_bad_length((*path, "description"), MAX_DESCRIPTION))
    for locale, localized in descriptions.items():
        if not 1 <= len(localized) <= MAX_DESCRIPTION:
            errors.append(
                _bad_length((*path, "description_localizations", locale), MAX_DESCRIPTION)
            )
    return errors


def check_unique_names(items: Iterable[JSON], path: tuple[str, ...]) -> list[FieldError]:
    """Siblings (a scope's commands, a command's options) must differ in name in every locale,
    where a locale's name is its localisation or, without one, the name itself."""
    siblings = [i for i in items if isinstance(i, dict)]
    locales = {locale for i in siblings for locale in (i.get("name_localizations") or {}) if locale}
    errors: list[FieldError] = []
    for locale in [None, *sorted(locales)]:
        seen: set[str] = set()
        for item in siblings:
            name = _text(item.get("name"))
            if locale is not None:
                name = _text((item.get("name_localizations") or {}).get(locale)) or name
            if name in seen:
                where = f" in {locale}" if locale else ""
                errors.append(
                    FieldError(
                        path,
                        "APPLICATION_COMMANDS_DUPLICATE_NAME",
                        f"Application command names must be unique: {name!r}{where}",
                    )
                )
            seen.add(name)
    return errors


def _check_options(options: list[JSON], prefix: tuple[str, ...]) -> list[FieldError]:
    errors: list[FieldError] = []
    if len(options) > 25:
        errors.append(_too_long(prefix, 25))
    errors += check_unique_names(options, prefix)
    seen_optional = False
    for index, option in enumerate(options):
        here = (*prefix, str(index))
        errors += _check_names_and_descriptions(option, here)
        if option.get("type") in (1, 2):
            errors += _check_options(option.get("options") or [], (*here, "options"))
            continue
        if option.get("required"):
            if seen_optional:
                errors.append(
                    FieldError(
                        (*here, "required"),
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
                )
        else:
            seen_optional = True
        choices = option.get("choices") or []
        if len(choices) > MAX_CHOICES:
            errors.append(_too_long((*here, "choices"), MAX_CHOICES))
        for cindex, choice in enumerate(c for c in choices if isinstance(c, dict)):
            where = (*here, "choices", str(cindex))
            names, more = _localizations(choice, "name_localizations", where)
            errors += more
            for locale, text in [(None, _text(choice.get("name"))), *names.items()]:
                if not 1 <= len(text) <= MAX_CHOICE_NAME:
                    key = ("name",) if locale is None else ("name_localizations", locale)
                    errors.append(_bad_length((*where, *key), MAX_CHOICE_NAME))
        if choices and option.get("autocomplete"):
            errors.append(
                FieldError(
                    (*here, "autocomplete"),
                    "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                    "Autocomplete cannot be set with choices",
                )
            )
    return errors


def errors_json(errors: list[FieldError]) -> JSON:
    """Discord's nested error object: {"data": {"content": {"_errors": [...]}}}."""
    tree: JSON = {}
    for error in errors:
        node = tree
        for part in error.path:
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": error.code, "message": error.message})
    return tree
