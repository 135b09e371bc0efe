"""A suite: a CSV of tasks, one row per (robot, behaviour), read strictly with line and column.

The header names the columns (any order): `robot` and `behavior` are required, `category` is
optional; blank lines are skipped. Whether a robot exists is not checked here: an unknown robot
fails only its own task when the suite runs.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

REQUIRED_COLUMNS = ("robot", "behavior")
COLUMNS = (*REQUIRED_COLUMNS, "category")


class SuiteError(ValueError):
    """A malformed suite; the message names the file, line and column."""


@dataclass(frozen=True)
class Task:
    """One row of a suite: 1-based `index` among the tasks, and the CSV `line` it came from."""

    index: int
    robot: str
    behavior: str
    category: str = ""
    line: int = 0


def _where(source: str, line: int, column: int | None = None, name: str | None = None) -> str:
    at = f"{source}, line {line}"
    if column is not None:
        at += f", column {column}" + (f" ({name})" if name else "")
    return at


def _header(source: str, cells: list[str]) -> dict[str, int]:
    names = [c.strip().lower() for c in cells]
    positions: dict[str, int] = {}
    for column, name in enumerate(names, start=1):
        if name not in COLUMNS:
            raise SuiteError(f"{_where(source, 1, column)}: unknown column {cells[column - 1]!r};"
                             f" the columns are {', '.join(COLUMNS)} (category optional)")
        if name in positions:
            raise SuiteError(f"{_where(source, 1, column)}: column {name!r} appears twice")
        positions[name] = column - 1
    missing = [c for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        raise SuiteError(f"{_where(source, 1)}: the header lacks {' and '.join(missing)}; "
                         f"expected a header like: {','.join(COLUMNS)}")
    return positions


def _task(source: str, line: int, cells: list[str], positions: dict[str, int],
          index: int) -> Task:
    from tabrl_core.providers.prompt import MAX_BEHAVIOR_CHARS

    if len(cells) != len(positions):
        column = min(len(cells), len(positions)) + 1
        raise SuiteError(f"{_where(source, line, column)}: {len(cells)} fields, the header has "
                         f"{len(positions)} ({', '.join(positions)})")
    values = {name: cells[i].strip() for name, i in positions.items()}
    for name in REQUIRED_COLUMNS:
        if not values[name]:
            raise SuiteError(f"{_where(source, line, positions[name] + 1, name)}: {name} is empty")
    if len(values["behavior"]) > MAX_BEHAVIOR_CHARS:
        raise SuiteError(f"{_where(source, line, positions['behavior'] + 1, 'behavior')}: the "
                         f"behaviour has {len(values['behavior'])} characters; at most "
                         f"{MAX_BEHAVIOR_CHARS} are allowed")
    return Task(index, values["robot"], values["behavior"], values.get("category", ""), line)


def parse_suite(text: str, source: str = "suite") -> list[Task]:
    """The tasks of suite CSV `text`; SuiteError naming `source`, the line and the column."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    positions, tasks = None, []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if positions is None:
                if reader.line_num != 1:
                    raise SuiteError(f"{_where(source, reader.line_num)}: the header must be the"
                                     f" first line")
                positions = _header(source, cells)
                continue
            tasks.append(_task(source, reader.line_num, cells, positions, len(tasks) + 1))
    except csv.Error as exc:
        raise SuiteError(f"{_where(source, reader.line_num)}: {exc}") from exc
    if positions is None:
        raise SuiteError(f"{source} is empty: write a header ({','.join(COLUMNS)}) and one row "
                         f"per task")
    if not tasks:
        raise SuiteError(f"{source} has a header but no task")
    return tasks


def read_suite(path: Path | str) -> list[Task]:
    """The tasks of the suite CSV at `path` (see parse_suite); SuiteError when it is malformed or
    cannot be read."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SuiteError(f"cannot read the suite {path}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SuiteError(f"{_where(str(path), line, column)}: not UTF-8 text "
                         f"(byte 0x{raw[exc.start]:02x})") from exc
    return parse_suite(text, str(path))
