"""Instructions per message of automod's checks, counted by callgrind: a measure that the machine's noise does not move.

``bench/automod.py`` times whole bots, and on a shared virtual machine its ratios move by several percent from run
to run. This script runs the automod check (``tatiana_moderation.automod.check``, every rule on, as in that bench)
over the same conversation, 12,000 messages from 2,010 members of 5 guilds, under valgrind's callgrind, and
prints the instructions the checks cost per message, the loop around them left out (callgrind counts only inside
``sys.call_tracing``, which runs the loop). ``--without words,caps`` turns rules off to see what each costs.

The messages are plain objects with the fields the check reads from a hikari message (content, author, mentions,
attachments); the spam and duplicates rules read a clock that advances 2 ms a message.

Usage: ``uv run python bench/automod_instructions.py [--without RULE,...]`` (about 2 minutes; needs valgrind).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any

MESSAGES = 12_000
GUILDS = 5
MEMBERS = 402
RULES = ("spam", "duplicates", "mentions", "invites", "links", "words", "caps", "attachments")


@dataclass(slots=True)
class Author:
    """A message's author: its id is all the checks read."""

    id: int


@dataclass(slots=True)
class Attachment:
    """An attachment: its file name is all the checks read."""

    filename: str


@dataclass(slots=True)
class Message:
    """The fields of a ``hikari.Message`` that automod's checks read."""

    content: str
    author: Author
    user_mentions: dict[int, Any] = field(default_factory=dict)
    role_mention_ids: list[int] = field(default_factory=list)
    mentions_everyone: bool = False
    attachments: list[Attachment] = field(default_factory=list)


def messages() -> list[tuple[int, Message]]:
    """The bench's conversation (``bench/automod.line``), with the guild of each message."""
    from automod import line

    found = []
    for number in range(MESSAGES):
        said = line(number, lambda n: 1_000 + (n + 1) % MEMBERS)
        message = Message(said.content, Author(1_000 + number % MEMBERS))
        if said.mentioned is not None:
            message.user_mentions = {said.mentioned: None}
        if said.filename is not None:
            message.attachments = [Attachment(said.filename)]
        found.append((1 + number % GUILDS, message))
    return found


def measured(without: list[str]) -> None:
    """Run the checks over the messages inside ``sys.call_tracing`` (what callgrind counts)."""
    from automod import automod_settings
    from tatiana_moderation.automod.check import check
    from tatiana_moderation.automod.settings import AutomodSettings
    from tatiana_moderation.automod.state import AutomodState

    values = automod_settings()
    for rule in without:
        values[rule] = {**values[rule], "enabled": False}
    now = [0.0]
    state = AutomodState(clock=lambda: now[0])
    compiled = state.compiled(AutomodSettings.model_validate(values))
    batch = messages()

    def run() -> None:
        for number, (guild_id, message) in enumerate(batch):
            now[0] = number * 0.002
            if check(compiled, state, guild_id, message) is not None:  # type: ignore[arg-type]
                raise SystemExit(f"message {number} broke a rule: the bench's messages break none")

    sys.call_tracing(run, ())


def count(without: list[str]) -> float:
    """Instructions per message, from a callgrind run of this script."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "callgrind.out")
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--collect-atstart=no",
                "--toggle-collect=sys_call_tracing",
                f"--callgrind-out-file={out}",
                sys.executable,
                __file__,
                "--measured",
                "--without",
                ",".join(without),
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        with open(out, encoding="utf-8") as stats:
            totals = next(line for line in stats if line.startswith("totals:"))
    return int(totals.split()[1]) / MESSAGES


def main() -> None:
    """Parse the arguments; count (or, inside valgrind, run the measured loop)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--without", default="", help=f"rules turned off, comma-separated: {', '.join(RULES)}"
    )
    parser.add_argument("--measured", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    without = [rule for rule in args.without.split(",") if rule]
    if unknown := set(without) - set(RULES):
        parser.error(f"unknown rules: {', '.join(sorted(unknown))}")
    if args.measured:
        measured(without)
        return
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed (apt install valgrind)")
    label = "every rule on" + (f", without {', '.join(without)}" if without else "")
    print(f"automod checks, {label}: {count(without):,.0f} instructions per message ({MESSAGES:,} messages)")


if __name__ == "__main__":
    main()
