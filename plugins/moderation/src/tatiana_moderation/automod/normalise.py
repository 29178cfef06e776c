"""Text as the word filter compares it: the usual evasions undone (case, accents, look-alikes, invisible chars).

``skeleton`` turns a message into lowercase Latin letters, digits, leet symbols and separators: compatibility
forms (fullwidth, mathematical, circled letters) are decomposed (NFKD), combining marks (accents) dropped, format
characters (zero-width spaces and joiners, soft hyphens) removed, and Cyrillic and Greek letters that look Latin
replaced by the Latin ones. Leetspeak is left to the matcher (``words.py``), since ``1`` may be an ``i`` or an ``l``.
"""

from __future__ import annotations

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
    "ё": "e",
    "һ": "h",
    "і": "i",
    "ї": "i",
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


def _drop(char: str) -> bool:
    # Mn: combining marks (accents, variation selectors); Cf: format chars (zero-width space/joiners, soft hyphen).
    return unicodedata.category(char) in ("Mn", "Me", "Cf")


def skeleton(text: str) -> str:
    """``text`` lowercased, with accents, invisible characters and look-alike letters undone."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_CAPITALS).casefold())
    kept = "".join(char for char in decomposed if char.isascii() or not _drop(char))
    # Look-alikes may carry accents of their own (ё, ї): decompose again after replacing them.
    replaced = kept.translate(_TABLE)
    if replaced.isascii():
        return replaced
    return "".join(
        char for char in unicodedata.normalize("NFKD", replaced) if char.isascii() or not _drop(char)
    )
