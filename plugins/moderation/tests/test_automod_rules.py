"""Automod's pieces on their own: each rule, the settings' bounds, the members' trails, escalation."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath

import pytest
from pydantic import ValidationError
from tatiana_moderation.automod import rules
from tatiana_moderation.automod.escalation import harshest, next_step
from tatiana_moderation.automod.settings import (
    AutomodSettings,
    EscalationStep,
    LinksRule,
    Punishment,
)
from tatiana_moderation.automod.state import TRAIL_LENGTH, AutomodState
from tatiana_moderation.cases import Action, GuildRef, Person, Source, open_case
from tatiana_moderation.settings import ModerationSettings

from tatiana import Database


def test_everything_is_off_by_default() -> None:
    settings = ModerationSettings().automod
    assert not settings.enabled
    rule_fields = ("spam", "duplicates", "mentions", "invites", "links", "words", "caps", "attachments")
    assert not any(getattr(settings, name).enabled for name in rule_fields)
    assert settings.escalation == []
    schema = ModerationSettings.model_json_schema()
    assert "automod" in schema["properties"], "the dashboard renders it with the rest"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"spam": {"max_messages": 1}}, "greater than or equal to 2"),
        ({"spam": {"timeout_minutes": 40321}}, "less than or equal to 40320"),
        ({"links": {"denied_domains": ["not a domain"]}}, "'not a domain' is not a site's domain name"),
        ({"attachments": {"blocked_extensions": ["e x e"]}}, "'e x e' is not a file extension"),
        ({"words": {"words": ["x"]}}, "at least 2 characters"),
        ({"escalation": [{"warnings": 3, "action": "warn"}]}, "an escalation step times out, kicks or bans"),
        (
            {"escalation": [{"warnings": 3, "action": "kick"}, {"warnings": 3, "action": "ban"}]},
            "two escalation steps have the same number of warnings and window",
        ),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        AutomodSettings.model_validate(values)


def test_settings_are_cleaned() -> None:
    settings = AutomodSettings.model_validate(
        {
            "links": {"denied_domains": [" WWW.Evil.COM "]},
            "attachments": {"blocked_extensions": [".EXE", "bat"]},
        }
    )
    assert settings.links.denied_domains == ["evil.com"]
    assert settings.attachments.blocked_extensions == ["exe", "bat"]


def test_spam_duplicates_and_mentions_count_past_their_limits() -> None:
    assert rules.spam(3, max_messages=3, per_seconds=5) is None
    assert rules.spam(4, max_messages=3, per_seconds=7) == rules.Hit("spam", {"count": 4, "seconds": 7})
    assert rules.duplicates(2, max_repeats=2, within_seconds=60) is None
    assert rules.duplicates(3, max_repeats=2, within_seconds=60) is not None
    assert rules.mentions(1, 0, True, max_mentions=2) is None
    assert rules.mentions(1, 1, True, max_mentions=2) == rules.Hit("mentions", {"count": 3, "limit": 2})


@pytest.mark.parametrize(
    ("content", "found"),
    [
        ("join discord.gg/abc", "discord.gg/abc"),
        ("https://discord.com/invite/Xy-1", "https://discord.com/invite/Xy-1"),
        ("DISCORDAPP.COM/INVITE/z", "DISCORDAPP.COM/INVITE/z"),
        ("https://discord.com/channels/1/2", None),
        ("no links here", None),
    ],
)
def test_invites(content: str, found: str | None) -> None:
    hit = rules.invites(content)
    assert (hit.details["link"] if hit else None) == found


def test_links_deny_list_allow_list_and_allowed_only() -> None:
    deny = LinksRule(denied_domains=["evil.com"], allowed_domains=["ok.evil.com"])
    allowed, denied = frozenset(deny.allowed_domains), frozenset(deny.denied_domains)
    assert rules.links("https://user@www.evil.com:443/x", allowed, denied, False) == rules.Hit(
        "links", {"site": "evil.com"}
    )
    assert rules.links("http://a.b.evil.com", allowed, denied, False) is not None
    assert rules.links("https://ok.evil.com/page https://notevil.com", allowed, denied, False) is None
    assert rules.links("evil.com without a scheme is not a link", allowed, denied, False) is None
    youtube = frozenset(["youtube.com"])
    assert rules.links("https://youtube.com/watch", youtube, frozenset(), allowed_only=True) is None
    assert rules.links("https://example.org", youtube, frozenset(), allowed_only=True) is not None


def test_links_are_read_with_their_scheme_in_any_case_and_none_is_missed() -> None:
    denied = frozenset({"evil.com"})
    assert rules.links("see HTTPS://Evil.COM/x", frozenset(), denied, False) == rules.Hit(
        "links", {"site": "evil.com"}
    )
    assert rules.links("ftp://evil.com and hxxp://evil.com", frozenset(), denied, False) is None
    # Every link a search for "https?://host" in any case finds is read (the rule's former definition).
    reference = re.compile(r"https?://([^\s/?#<>\\]+)", re.IGNORECASE)
    pieces = ["https://", "HTTP://", "://", "evil.com", "ok.org", "www.", " ", "/", ":", "x", "@", "<", "s"]
    rng = random.Random(2)
    for _ in range(5_000):
        content = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 10)))
        expected = any(rules._refused_site(h, frozenset(), denied, False) for h in reference.findall(content))
        if expected:
            assert rules.links(content, frozenset(), denied, False) is not None, content


def test_caps_ignores_short_messages_markup_and_links() -> None:
    limits = {"min_letters": 10, "max_percent": 70}
    assert rules.caps("HELLO", **limits) is None, "too short"
    assert rules.caps("THIS IS LOUD", **limits) == rules.Hit("caps", {"percent": 100, "limit": 70})
    assert rules.caps("<@123456> <:KEKW:987> ok then https://EXAMPLE.COM/ABC", **limits) is None
    assert rules.caps("Meet at the NYC Office tomorrow", **limits) is None
    assert rules.caps("ÉSTE ES UN MENSAJE MUY FUERTE", **limits) == rules.Hit(
        "caps", {"percent": 100, "limit": 70}
    )
    assert rules.caps("ÑANDÚ ÉLITE ÁGUILA ÓRBITA", **limits) is not None, "capitals outside ASCII count"
    assert rules.caps("Él dijo que sí, Ñandú", **limits) is None


@pytest.mark.parametrize(
    "name", ["report.pdf", "x.tar.gz", ".bashrc", "..x.y", "name.", "a.B.C", "noext", "dir/a.exe", "a..exe"]
)
def test_extensions_are_read_as_pathlib_reads_them(name: str) -> None:
    assert rules._extensions(name) == {suffix.lstrip(".").lower() for suffix in PurePosixPath(name).suffixes}


def test_attachments_check_every_extension() -> None:
    blocked = frozenset({"exe"})
    assert rules.attachments(["report.pdf", "x.tar.gz"], blocked) is None
    assert rules.attachments(["Invoice.PDF.exe"], blocked) == rules.Hit(
        "attachments", {"file": "Invoice.PDF.exe", "extension": "exe"}
    )


def test_trails_count_within_windows_and_stay_bounded() -> None:
    now = [100.0]
    state = AutomodState(clock=lambda: now[0], max_members=3)
    for second, text in enumerate(["a", "b", "a", "a"]):
        now[0] = 100.0 + second
        trail = state.record(1, 10, hash(text))
    assert state.recent(trail, 1.5) == 2
    assert state.recent(trail, 10) == 4
    assert state.recent(trail, 1.5, above=1) == 2
    assert state.recent(trail, 1.5, above=2) == 0, "no more than `above` within the window: 0 at once"
    assert state.repeats(trail, 10, hash("a")) == 3
    assert state.repeats(trail, 1.5, hash("a")) == 2
    for user in range(11, 15):
        state.record(1, user, 0)
    assert len(state) == 3, "the least recently active member was forgotten"
    state.forget(1, 14)
    assert len(state) == 2


def test_a_trails_counts_by_text_follow_the_messages_it_keeps() -> None:
    state = AutomodState(clock=lambda: 0.0)
    for number in range(3 * TRAIL_LENGTH + 5):
        trail = state.record(1, 10, number % 7)
        assert trail.counts == Counter(trail.digests), f"after message {number}"
    assert len(trail.digests) == TRAIL_LENGTH
    assert trail.count(3) == list(trail.digests).count(3)
    assert trail.count(99) == 0


def test_compiled_rules_are_built_once_per_settings_object() -> None:
    state = AutomodState()
    settings = AutomodSettings.model_validate({"words": {"enabled": True, "words": ["bad"]}})
    assert state.compiled(settings) is state.compiled(settings)
    changed = settings.model_copy(update={"exempt_role_ids": [5]})
    assert state.compiled(changed) is not state.compiled(settings)
    assert state.compiled(changed).exempt_roles == {5}


def test_compiled_rules_copy_every_limit_of_the_settings() -> None:
    settings = AutomodSettings.model_validate(
        {
            "enabled": True,
            "spam": {"max_messages": 7, "per_seconds": 11},
            "duplicates": {"max_repeats": 4, "within_seconds": 90},
            "mentions": {"max_mentions": 9},
            "caps": {"min_letters": 12, "max_percent": 60},
            "links": {"allowed_only": True},
        }
    )
    compiled = AutomodState().compiled(settings)
    assert compiled.enabled
    assert (compiled.max_messages, compiled.spam_seconds) == (7, 11)
    assert (compiled.max_repeats, compiled.repeats_seconds) == (4, 90)
    assert compiled.max_mentions == 9
    assert (compiled.caps_min_letters, compiled.caps_max_percent) == (12, 60)
    assert compiled.links_allowed_only
    assert not AutomodState().compiled(AutomodSettings()).enabled


def test_the_harshest_reached_step_wins() -> None:
    steps = [
        EscalationStep(warnings=3, within_hours=24, action=Punishment.TIMEOUT, timeout_minutes=60),
        EscalationStep(warnings=5, within_hours=168, action=Punishment.BAN),
        EscalationStep(warnings=4, within_hours=24, action=Punishment.TIMEOUT, timeout_minutes=600),
    ]
    assert harshest(steps, {24: 2, 168: 2}) is None
    assert harshest(steps, {24: 3, 168: 3}) is steps[0]
    assert harshest(steps, {24: 4, 168: 4}) is steps[2]
    assert harshest(steps, {24: 1, 168: 6}) is steps[1]


async def test_escalation_counts_automod_warnings_in_the_window(db: Database) -> None:
    guild, member = GuildRef(1_190_000_000_000_000_001, "G"), Person(1_190_000_000_000_000_100, "m")
    moderator = Person(1_190_000_000_000_000_011, "mod")
    steps = [EscalationStep(warnings=2, within_hours=1, action=Punishment.KICK)]
    await open_case(db, guild=guild, target=member, moderator=None, action=Action.WARN, source=Source.AUTOMOD)
    await open_case(db, guild=guild, target=member, moderator=moderator, action=Action.WARN)
    await open_case(
        db, guild=guild, target=member, moderator=None, action=Action.DELETE, source=Source.AUTOMOD
    )
    assert await next_step(db, guild.id, member.id, steps) is None, "a moderator's warning is not automod's"
    await open_case(db, guild=guild, target=member, moderator=None, action=Action.WARN, source=Source.AUTOMOD)
    assert await next_step(db, guild.id, member.id, steps) is steps[0]
    later = datetime.now(UTC) + timedelta(hours=2)
    assert await next_step(db, guild.id, member.id, steps, now=later) is None, "out of the window"
