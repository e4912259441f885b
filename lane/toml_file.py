"""Reading a configuration file (site.toml, prompts.toml) with bounds, so that no file can crash or swamp a command.

`tomllib` parses nested arrays and inline tables by recursion, so a file nested a few thousand deep ends in a
RecursionError; an integer of more than 4300 digits is a ValueError; neither is a TOMLDecodeError. `read` turns
all of them into one `BadFile` line naming the file, and bounds what a configuration can hold: the file's
size, the nesting depth, the number of values, the length of a string and of a key, and no control characters
in text (they would reach the lane sign, the terminal and the log). A site file is some 3 KB, 4 levels deep.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class BadFile(Exception):
    """A file that cannot be used: `str()` is one line naming the file (lane.config makes it a ConfigError)."""


@dataclass(frozen=True)
class Limits:
    file_bytes: int = 256 * 1024
    depth: int = 8  # tables and arrays inside one another, the top table being depth 0
    values: int = 20_000  # every key, table, array item and value counted once
    string_chars: int = 4096
    key_chars: int = 100


LIMITS = Limits()
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _path(parts: tuple[str | int, ...]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(top level)"


def _check_text(text: str, limit: int, what: str) -> str:
    if len(text) > limit:
        return f"{what} of {len(text)} characters (at most {limit})"
    bad = _CONTROL.search(text)
    if bad:
        return f"{what} holds the control character U+{ord(bad.group()):04X} (at character {bad.start() + 1})"
    return ""


def check(data: dict[str, Any], source: str, limits: Limits = LIMITS) -> None:
    """Raise BadFile if `data` (parsed TOML) goes past `limits`; walked without recursion."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    seen = 0
    while stack:
        parts, value = stack.pop()
        seen += 1
        if seen > limits.values:
            raise BadFile(f"{source}: more than {limits.values} values in the file")
        if isinstance(value, dict | list):
            if len(parts) > limits.depth:
                raise BadFile(f"{source}: {_path(parts)}: nested deeper than {limits.depth} levels")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and (problem := _check_text(key, limits.key_chars, "a key")):
                    raise BadFile(f"{source}: {_path(parts)}: {problem}")
                stack.append(((*parts, key), item))
        elif isinstance(value, str) and (problem := _check_text(value, limits.string_chars, "a string")):
            raise BadFile(f"{source}: {_path(parts)}: {problem}")


def read(path: Path, limits: Limits = LIMITS) -> dict[str, Any]:
    """The TOML file at `path`, checked against `limits`. FileNotFoundError goes up as it is (a missing file
    means something different to each caller); every other problem is a BadFile naming the file."""
    try:
        with path.open("rb") as f:
            raw = f.read(limits.file_bytes + 1)
    except FileNotFoundError:
        raise
    except OSError as err:
        raise BadFile(f"{path}: cannot read: {err.strerror or err}") from err
    if len(raw) > limits.file_bytes:
        raise BadFile(f"{path}: larger than {limits.file_bytes // 1024} KiB: not a configuration file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadFile(f"{path}: cannot read: not utf-8 text ({err.reason} at byte {err.start})") from err
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise BadFile(f"{path}: not valid TOML: {err}") from err
    except RecursionError as err:
        raise BadFile(f"{path}: nested deeper than {limits.depth} levels") from err
    except ValueError as err:  # an integer too long to convert; tomllib lets it through
        raise BadFile(f"{path}: not valid TOML: {str(err)[:100]}") from err
    check(data, str(path), limits)
    return data
