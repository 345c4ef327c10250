"""What is wrong with an input: ``Problem`` (file, line, column, reason), ``DatasetError``
carrying every one found, and how a cell or a size is echoed in one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from db.loader.formats import MAX_FILE_BYTES, MAX_PROBLEMS_KEPT

#: A cell echoed in a problem is cut to this many characters.
SHOWN_CHARS = 40
ASCII_HINT = "write it with the digits 0-9"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we can."""

    file: str
    line: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return (
            f"{where}: {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"
        )


class DatasetError(Exception):
    """Input did not validate. ``problems`` lists the problems found in file/line order (the
    first ``MAX_PROBLEMS_KEPT`` of them); ``total`` counts every one."""

    def __init__(self, problems: Sequence[Problem], total: int | None = None) -> None:
        self.problems: list[Problem] = list(problems)
        self.total = max(total or 0, len(self.problems))
        count = self.total
        first = f"; first: {self.problems[0]}" if self.problems else ""
        super().__init__(f"{count:,} problem{'s' if count != 1 else ''} in the dataset{first}")


class Problems:
    """Problems as they are found, in order: the first ``MAX_PROBLEMS_KEPT`` kept, all counted."""

    def __init__(self) -> None:
        self.kept: list[Problem] = []
        self.total = 0

    def append(self, problem: Problem) -> None:
        self.total += 1
        if len(self.kept) < MAX_PROBLEMS_KEPT:
            self.kept.append(problem)

    def extend(self, problems: Iterable[Problem] | Problems | DatasetError) -> None:
        if isinstance(problems, Problems | DatasetError):
            kept = problems.kept if isinstance(problems, Problems) else problems.problems
            for problem in kept:
                self.append(problem)
            self.total += problems.total - len(kept)  # counted, not kept
        else:
            for problem in problems:
                self.append(problem)

    def __bool__(self) -> bool:
        return self.total > 0

    def error(self) -> DatasetError:
        return DatasetError(self.kept, self.total)


def raise_if(problems: Problems) -> None:
    if problems:
        raise problems.error()


def shown(value: str) -> str:
    """A cell as echoed in a problem: cut short, so a 4 MB cell is not printed back."""
    if len(value) <= SHOWN_CHARS:
        return value
    return f"{value[: SHOWN_CHARS - 10]}… ({len(value):,} characters)"


def quoted(value: str) -> str:
    return repr(value) if len(value) <= SHOWN_CHARS else repr(shown(value))


def non_ascii_digits(value: str) -> bool:
    """Digits of another script (٢٠٢٤, ２０２４, ²): Python reads them as numbers; we don't."""
    return any(ch.isdigit() and not ch.isascii() for ch in value)


def size_text(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{n:,} bytes"


def too_large() -> str:
    """Why a dataset file over the cap is refused (the same words for a file and an upload)."""
    return f"larger than {size_text(MAX_FILE_BYTES)}, the most a dataset file may be"
