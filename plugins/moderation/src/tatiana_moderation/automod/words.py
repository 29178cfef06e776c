"""The word filter: a guild's list of words compiled once into an index that finds them in a message, evasions undone.

A listed word matches a whole word of the message (so "ass" is not found in "class", the Scunthorpe problem),
after ``normalise.skeleton`` (case, accents, look-alike and invisible characters) and leetspeak (``4`` for
``a``, ``$`` for ``s``; ``1``, ``!`` and ``|`` for ``i`` or ``l``), with any letter repeated more often than in
the word ("baaad"), and spelled out letter by letter between separators ("b.a.d", "b a d"). A multi-word entry
matches those words in a row.

Matching is two steps. Each message is reduced with a few whole-string passes to tokens whose ``i``/``l`` are
merged and whose repeated letters are collapsed; a set lookup of those tokens rules out almost every message.
Only a token that passes goes through the exact comparison: its ``1``/``!``/``|`` tried as ``i`` and as ``l``,
and each letter repeated at least as often as in the listed word (so "as" does not match "ass").
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from typing import Literal

from tatiana_moderation.automod.normalise import ascii_skeleton, skeleton

# Leet symbols that stand for one letter; 1, ! and | are ambiguous and stay for the exact comparison.
LEET_LETTERS = {"0": "o", "3": "e", "4": "a", "@": "a", "5": "s", "$": "s", "7": "t", "+": "t", "8": "b"}
# The prefilter merges what may be an i or an l.
I_OR_L = {"1": "i", "!": "i", "|": "i", "l": "i"}
LEET = str.maketrans(LEET_LETTERS)
CANON = str.maketrans(I_OR_L)
AMBIGUOUS = "1!|"
MAX_VARIANTS = 32
MAX_SPELLED = 40
"""Letters spelled out one by one that are joined back, at most (longer runs are cut into pieces)."""

_ALL_SAME = [str.maketrans(AMBIGUOUS, letter * len(AMBIGUOUS)) for letter in "il"]
"""Too many ambiguous symbols in one token: read them all as i, then all as l."""

TOKEN = re.compile(r"(?:[^\W_]|[!|])+")
# A letter followed by the same letter: removing every such match collapses runs ("baaad" to "bad") with a plain
# substitution in C (a callable or a group template would run Python for every run).
REPEATS = re.compile(r"(.)(?=\1)", re.DOTALL)
# "bad!!!": exclamation marks ending a word are punctuation, not an i.
TRAILING = re.compile(r"(?<=[^\W_])[!|]+(?![^\W_])")

# The same steps on ASCII bytes, for word lists in Latin letters: each one pass in C.
LEET_BYTES = bytes.maketrans("".join(LEET_LETTERS).encode(), "".join(LEET_LETTERS.values()).encode())
CANON_BYTES = bytes.maketrans(
    "".join({**LEET_LETTERS, **I_OR_L}).encode(), "".join({**LEET_LETTERS, **I_OR_L}.values()).encode()
)
TOKEN_CHARS = b"abcdefghijklmnopqrstuvwxyz0123456789!|"
SEPARATORS = bytes.maketrans(
    bytes(c for c in range(256) if c not in TOKEN_CHARS), b" " * (256 - len(TOKEN_CHARS))
)
FOLD_BYTES = bytes(SEPARATORS[CANON_BYTES[c]] for c in bytes(range(256)).lower())
"""Lowercase, leetspeak and i/l merged, separators as spaces: a message's prefilter tokens in one translation
(before collapsing repeated letters)."""
REPEATS_BYTES = re.compile(rb"(.)(?=\1)", re.DOTALL)
SPELLED_RUNS = re.compile(rb" ([^ ](?: +[^ ])+)(?= )")
"""Runs of one-letter tokens ("b a d"), in a message's folded bytes padded with a space each side."""
TRAILING_BYTES = re.compile(rb"[!|](?<=[A-Za-z0-9][!|])[!|]*(?![A-Za-z0-9])")
"""``TRAILING`` on bytes, written to start with its character set so that the search skips ahead to a ``!`` or
``|`` instead of trying the lookbehind at every byte."""
EXCLAMATION, BAR = ord("!"), ord("|")
Screening = Literal["clean", "maybe spelled", "maybe key"]
"""What screening a message's new tokens found (``WordList._screen``)."""
CLEAN: Screening = "clean"
MAYBE_SPELLED: Screening = "maybe spelled"
MAYBE_KEY: Screening = "maybe key"
MAX_CLEAN_TOKENS = 10_000
"""Tokens remembered as matching no listed word; the set starts afresh when full."""
MAX_CLEAN_TOKEN_LENGTH = 32


def _prepare(text: str) -> str:
    """``text`` normalised, with unambiguous leetspeak replaced and trailing exclamation marks dropped."""
    return TRAILING.sub("", skeleton(text).translate(LEET))


def _key(token: str) -> str:
    """The prefilter key of a token: i and l merged, repeated letters collapsed."""
    return REPEATS.sub("", token.translate(CANON))


def _variants(token: str) -> list[str]:
    """The token with each of its ambiguous symbols read as i and as l."""
    positions = [i for i, char in enumerate(token) if char in AMBIGUOUS]
    if not positions:
        return [token]
    if 2 ** len(positions) > MAX_VARIANTS:
        return [token.translate(table) for table in _ALL_SAME]
    found = []
    for letters in itertools.product("il", repeat=len(positions)):
        chars = list(token)
        for position, letter in zip(positions, letters, strict=True):
            chars[position] = letter
        found.append("".join(chars))
    return found


Shape = tuple[str, tuple[int, ...]]
"""A token's letters with repeats collapsed, and how often each is repeated."""


def _shape(token: str) -> Shape:
    groups = [(char, len(list(run))) for char, run in itertools.groupby(token)]
    return "".join(char for char, _ in groups), tuple(count for _, count in groups)


def _covers(found: tuple[int, ...], listed: tuple[int, ...]) -> bool:
    return all(a >= b for a, b in zip(found, listed, strict=True))


@dataclass(frozen=True)
class Entry:
    """One listed word or phrase: for each of its words, the shapes it may take."""

    text: str
    words: tuple[frozenset[Shape], ...]


class WordList:
    """A guild's word list, compiled; ``find(message)`` is the listed entry the message contains, or None."""

    def __init__(self, words: tuple[str, ...]) -> None:
        self.entries: list[Entry] = []
        self._prefilter: dict[str, list[Entry]] = {}
        for text in words:
            tokens = TOKEN.findall(_prepare(text))
            if not tokens:
                continue
            entry = Entry(
                text=text,
                words=tuple(frozenset(_shape(v) for v in _variants(token)) for token in tokens),
            )
            self.entries.append(entry)
            self._prefilter.setdefault(_key(tokens[0]), []).append(entry)
        # A list in Latin letters is searched on ASCII bytes, other characters being separators.
        self.ascii = all(key.isascii() for key in self._prefilter)
        self._ascii_keys = frozenset(key.encode() for key in self._prefilter) if self.ascii else frozenset()
        # Collapsing repeated letters keeps a token's letters: one whose set of letters is no key's is no key.
        self._key_letters = frozenset(frozenset(key) for key in self._ascii_keys)
        self._key_alphabet = bytes(frozenset(b"".join(self._ascii_keys)))
        self._key_starts = frozenset(key[:2] for key in self._ascii_keys)
        # Conversation repeats its words: a token once found to be no listed word's key is not collapsed again.
        self._clean_tokens: set[bytes] = set()

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, text: str, encoded: bytes | None = None) -> str | None:
        """The first listed word or phrase found in ``text``, as it was listed; None when there is none
        (``encoded``: the text in UTF-8, when the caller has it)."""
        if not self.ascii:
            return self._find_in_text(text)
        if not text or not self._ascii_keys:
            return None
        raw = (encoded or text.encode()) if text.isascii() else ascii_skeleton(text)
        if EXCLAMATION in raw or BAR in raw:
            raw = TRAILING_BYTES.sub(b"", raw)
        folded = raw.translate(FOLD_BYTES)
        # Almost every message stops here: each token known to be (or now found to be) no listed word's key,
        # and no letters spelled out one by one.
        clean = self._clean_tokens
        # The tokens not known to be clean, by lookups alone (no set of the message's tokens is built). One-letter
        # tokens are never remembered as clean, so they are always among these.
        new = [*itertools.filterfalse(clean.__contains__, folded.split())]
        if not new:
            return None
        found = self._screen(clean, new)
        if found == MAYBE_KEY:
            keys = REPEATS_BYTES.sub(b"", folded).decode().split()
            return self._search(_leet_tokens(raw), keys)
        # Letters spelled out one by one ("b a d"), or merely one-letter words side by side ("I'm" is "i m"):
        # searched for only where two one-letter tokens may be side by side, and exactly only once one of their
        # joins is a listed word's key.
        if found == CLEAN:
            return None
        if not self._spells_a_key(SPELLED_RUNS.findall(b" " + folded + b" ")):
            return None
        return self._find_spelled(_leet_tokens(raw))

    def _find_in_text(self, text: str) -> str | None:
        """``find`` for a list with words outside Latin letters, on the text itself."""
        if not self._prefilter or not text:
            return None
        prepared = _prepare(text)
        return self._search(TOKEN.findall(prepared), TOKEN.findall(_key(prepared)))

    def _screen(self, clean: set[bytes], tokens: list[bytes]) -> Screening:
        """What ``tokens`` (the message's folded tokens not in ``clean``, in order) may hold: ``MAYBE_KEY`` when
        one may collapse to a listed word's key, else ``MAYBE_SPELLED`` when two one-letter tokens follow each
        other among them and their letters start a key, else ``CLEAN``. The tokens of more than one letter are
        remembered in ``clean``."""
        if len(clean) >= MAX_CLEAN_TOKENS:
            clean.clear()
        keys, key_letters, alphabet, starts = (
            self._ascii_keys,
            self._key_letters,
            self._key_alphabet,
            self._key_starts,
        )
        found, letter = CLEAN, None
        for token in tokens:
            if len(token) == 1:
                if token in keys:
                    return MAYBE_KEY
                # Side by side in the message means side by side here too (what lies between is not clean). A key
                # spelled out has its first two letters side by side (its repeats collapsed, they differ).
                if letter is not None and letter + token in starts:
                    found = MAYBE_SPELLED
                letter = token
                continue
            letter = None
            # A byte that is in no key ("2" of a number) rules a token out cheaper than its set of letters: the
            # token is not all stripped away.
            if (
                not token.strip(alphabet)
                and frozenset(token) in key_letters
                and REPEATS_BYTES.sub(b"", token) in keys
            ):
                return MAYBE_KEY
            if len(token) <= MAX_CLEAN_TOKEN_LENGTH:
                clean.add(token)
        return found

    def _spells_a_key(self, runs: list[bytes]) -> bool:
        """Whether some letters in a row of one of ``runs`` (folded one-letter tokens) may join into a listed
        word's key, as ``_find_in_run`` looks them up: the key of letters in a row is a part of the whole run's
        key (its repeated letters collapsed), so the parts of that are looked up."""
        keys = self._ascii_keys
        for run in runs:
            key = run.replace(b" ", b"")[:MAX_SPELLED]
            if len(set(key)) < len(key):  # a letter comes twice, maybe in a row
                key = REPEATS_BYTES.sub(b"", key)
            # Parts of two letters or more: a one-letter key is a token of the run, found before this.
            for start in range(len(key) - 1):
                for end in range(start + 2, len(key) + 1):
                    if key[start:end] in keys:
                        return True
        return False

    def _search(self, tokens: list[str], keys: list[str]) -> str | None:
        """The exact comparison, on the message's tokens and their prefilter keys (aligned)."""
        prefilter = self._prefilter
        for index, key in enumerate(keys):
            entries = prefilter.get(key)
            if entries is not None and (found := self._match_at(tokens, index, entries)) is not None:
                return found
        return self._find_spelled(tokens)

    def _match_at(self, tokens: list[str], index: int, entries: list[Entry]) -> str | None:
        shapes = [_shape(v) for v in _variants(tokens[index])]
        for entry in entries:
            if index + len(entry.words) > len(tokens):
                continue
            if not _matches(shapes, entry.words[0]):
                continue
            following = zip(tokens[index + 1 :], entry.words[1:], strict=False)
            if all(_matches([_shape(v) for v in _variants(token)], word) for token, word in following):
                return entry.text
        return None

    def _find_spelled(self, tokens: list[str]) -> str | None:
        """Words spelled out letter by letter between separators ("b.a.d", "b a d"), joined back."""
        run: list[str] = []
        for token in [*tokens, ""]:
            if len(token) == 1:
                run.append(token)
                continue
            if len(run) >= 2:
                found = self._find_in_run(run[:MAX_SPELLED])
                if found is not None:
                    return found
            run = []
        return None

    def _find_in_run(self, letters: list[str]) -> str | None:
        for start in range(len(letters) - 1):
            for end in range(start + 2, len(letters) + 1):
                joined = "".join(letters[start:end])
                entries = self._prefilter.get(_key(joined))
                if entries is None:
                    continue
                found = self._match_at([joined], 0, [e for e in entries if len(e.words) == 1])
                if found is not None:
                    return found
        return None


def _leet_tokens(raw: bytes) -> list[str]:
    """The tokens of a message's ASCII skeleton with unambiguous leetspeak replaced, as the exact comparison
    reads them."""
    return raw.lower().translate(LEET_BYTES).translate(SEPARATORS).decode().split()


def _matches(shapes: list[Shape], listed: frozenset[Shape]) -> bool:
    """Whether one of a message token's shapes is a listed word's shape, each letter at least as repeated."""
    for letters, counts in shapes:
        for listed_letters, listed_counts in listed:
            if letters == listed_letters and _covers(counts, listed_counts):
                return True
    return False


@functools.lru_cache(maxsize=256)
def compile_words(words: tuple[str, ...]) -> WordList:
    """The compiled word list of ``words``, built once per distinct list (guilds sharing a list share it)."""
    return WordList(words)
