"""Text that came from a model, made safe to store and show: no hidden characters, bounded length.

Every string a provider hands TabRL (approach names, descriptions, code, notes and errors that
echo model text) goes through `clean_text` before it is stored or shown. It drops control
characters, Unicode format characters (bidirectional overrides and isolates such as U+202E and
U+2066, marks such as U+200E/U+200F, zero-width characters, tag characters) and lone surrogates,
and cuts overlong text with an ellipsis. The app shows the result as plain text, never Markdown.
"""

from __future__ import annotations

import unicodedata

MAX_NAME_CHARS = 80
"""An approach's name is cut to this many characters."""
MAX_DESCRIPTION_CHARS = 1_500
"""An approach's description is cut to this many characters."""
MAX_MESSAGE_CHARS = 2_000
"""A note or an error (which may echo model text) is cut to this many characters."""
ELLIPSIS = "…"

_LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\u2028": "\n", "\u2029": "\n", "\x85": "\n"}
# Cc: control characters, Cf: format characters (bidi controls, zero-width, tags),
# Cs: lone surrogates (cannot be encoded as UTF-8, so SQLite and the browser would choke).
_DROPPED_CATEGORIES = frozenset(("Cc", "Cf", "Cs"))


def _kept(char: str, keep_newlines: bool) -> str:
    if char == "\n":
        return "\n" if keep_newlines else " "
    if char == "\t":
        return "\t" if keep_newlines else " "
    if unicodedata.category(char) in _DROPPED_CATEGORIES:
        return ""
    return char


def clean_text(text: str, limit: int | None = None, *, multiline: bool = True) -> tuple[str, bool]:
    """(`text` without hidden characters, cut to `limit` characters; whether it was cut).

    With `multiline=False` every line break and tab becomes a space and runs of spaces collapse
    (names). Surrounding whitespace is removed. A cut text ends in an ellipsis and is exactly
    `limit` characters long.
    """
    for old, new in _LINE_BREAKS.items():
        text = text.replace(old, new)
    text = "".join(_kept(c, multiline) for c in text)
    if not multiline:
        text = " ".join(text.split())
    text = text.strip()
    if limit is not None and len(text) > limit:
        return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS, True
    return text, False


def clean_message(text: str | None) -> str | None:
    """A note or error for display: hidden characters dropped, at most MAX_MESSAGE_CHARS."""
    return None if text is None else clean_text(text, MAX_MESSAGE_CHARS)[0]
