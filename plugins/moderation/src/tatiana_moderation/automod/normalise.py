"""Text as the word filter compares it: the usual evasions undone (case, accents, look-alikes, invisible chars).

``skeleton`` turns a message into lowercase Latin letters, digits, leet symbols and separators: compatibility
forms (fullwidth, mathematical, circled letters) are decomposed (NFKD), combining marks (accents) dropped, format
characters (zero-width spaces and joiners, soft hyphens) removed, and Cyrillic and Greek letters that look Latin
replaced by the Latin ones. Leetspeak is left to the matcher (``words.py``), since ``1`` may be an ``i`` or an ``l``. ``ascii_skeleton`` is
the same as ASCII bytes, for word lists in Latin letters.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

# Capital Cyrillic and Greek letters drawn like Latin ones, replaced before casefolding (Greek Ν is an N, its
# lowercase ν looks like a v).
CAPITAL_LOOK_ALIKES: dict[str, str] = dict(
    zip("АВЕКМНОРСТХЅІЈУΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "abekmhopctxsijyabezhikmnoptyx", strict=True)
)

# Lowercase Cyrillic and Greek letters drawn like Latin ones.
LOOK_ALIKES: dict[str, str] = {
    # Cyrillic
    "а": "a",
    "в": "b",
    "е": "e",
    "һ": "h",
    "і": "i",
    "ј": "j",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "ѕ": "s",
    "т": "t",
    "у": "y",
    "х": "x",
    "ү": "y",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "ɡ": "g",
    # Greek
    "α": "a",
    "β": "b",
    "ε": "e",
    "η": "n",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "ω": "w",
    "ς": "s",
    # Latin letters that NFKD keeps apart
    "ı": "i",
    "ł": "l",
    "ø": "o",
    "đ": "d",
    "ħ": "h",
    "ŧ": "t",
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
}

_CAPITALS = str.maketrans(CAPITAL_LOOK_ALIKES)
_TABLE = str.maketrans(LOOK_ALIKES)


_ASCII = {**CAPITAL_LOOK_ALIKES, **LOOK_ALIKES}
_DROPPED = ("Mn", "Me", "Cf")


def _drop(char: str) -> bool:
    # Mn, Me: combining marks (accents, variation selectors); Cf: format characters (zero-width space and
    # joiners, soft hyphen).
    return unicodedata.category(char) in _DROPPED


def skeleton(text: str) -> str:
    """``text`` lowercased, with accents, invisible characters and look-alike letters undone."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_CAPITALS).casefold())
    return "".join(char for char in decomposed if char.isascii() or not _drop(char)).translate(_TABLE)


def _to_ascii(error: UnicodeError) -> tuple[str, int]:
    """Encoding error handler: a look-alike's Latin letter, nothing for a mark, ``?`` (a separator) otherwise."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    chunk = error.object[error.start : error.end]
    return "".join(_ASCII.get(c) or ("" if _drop(c) else "?") for c in chunk), error.end


codecs.register_error("tatiana-skeleton", _to_ascii)

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_RUNS: dict[str, str] = {}
"""The ASCII form of runs of characters outside ASCII already met ("ñ", "é"): most messages repeat a few."""
MAX_RUNS = 10_000
MAX_RUN_LENGTH = 8


def _ascii_form(run: str) -> str:
    """The ASCII form of a run of characters outside ASCII, cached when short."""
    ascii_form = _RUNS.get(run)
    if ascii_form is None:
        ascii_form = unicodedata.normalize("NFKD", run).encode("ascii", "tatiana-skeleton").decode()
        if len(run) <= MAX_RUN_LENGTH:
            if len(_RUNS) >= MAX_RUNS:
                _RUNS.clear()
            _RUNS[run] = ascii_form
    return ascii_form


def _ascii_run(found: re.Match[str]) -> str:
    return _ascii_form(found.group())


def _latin1_or_ascii_form(error: UnicodeError) -> tuple[str, int]:
    """Encoding error handler: a run of characters outside Latin-1 (emoji, other scripts) as its ASCII form."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return _ascii_form(error.object[error.start : error.end]), error.end


codecs.register_error("tatiana-latin1-skeleton", _latin1_or_ascii_form)


def _runs_skeleton(text: str) -> bytes:
    return _NON_ASCII.sub(_ascii_run, text).encode().lower()


def _latin1_table() -> bytes:
    """The translation of Latin-1 bytes into ``ascii_skeleton``'s bytes, one character at a time; a character whose
    form is not one byte (ß, æ, ½, and the soft hyphen, which is dropped) maps to NUL, which sends the message the
    general way."""
    table = bytearray(256)
    for code in range(256):
        form = _runs_skeleton(chr(code))
        if len(form) == 1:
            table[code] = form[0]
    return bytes(table)


_LATIN1 = _latin1_table()


def ascii_skeleton(text: str) -> bytes:
    """``skeleton`` as ASCII bytes, with every other character (other scripts, emoji) a ``?``: the fast path of
    word lists written in Latin letters.

    Latin-1 characters (Spanish, French, German...) are translated in one pass in C; each run of other characters
    (emoji, other scripts) is converted once, then cached."""
    if text.isascii():
        return text.encode().lower()
    # The codec hands each run of other characters to the handler, once per run.
    raw = text.encode("latin-1", "tatiana-latin1-skeleton").translate(_LATIN1)
    return raw if 0 not in raw else _runs_skeleton(text)
