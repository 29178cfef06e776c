"""Moderation alerts: every automod hit told on the coordination channel, which the API's WebSocket carries."""

from __future__ import annotations

import logging
from typing import Any

import hikari

from tatiana_moderation.automod.rules import Hit
from tatiana_moderation.cases import Case

log = logging.getLogger(__name__)


def alert_payload(case: Case, hit: Hit, *, deleted: bool) -> dict[str, Any]:
    """What the alert says: the case, the rule and its details, whether the message was deleted."""
    return {
        "kind": "automod",
        "rule": hit.rule,
        "details": dict(hit.details),
        "case_number": case.number,
        "action": case.action.value,
        "user_id": str(case.user_id),
        "channel_id": str(case.channel_id) if case.channel_id is not None else None,
        "reason": case.reason,
        "message_deleted": deleted,
        "created_at": case.created_at.isoformat(),
    }


async def send_alert(app: hikari.RESTAware, guild_id: int, case: Case, hit: Hit, *, deleted: bool) -> None:
    """Publish the alert of an automod case on the coordination channel."""
    # LiveEvents (the coordination channel's live updates) has not reached this branch yet: the alert is logged.
    del app
    log.info("automod alert in guild %s: %s", guild_id, alert_payload(case, hit, deleted=deleted))
