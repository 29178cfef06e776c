"""Moderation alerts: every automod hit told on the coordination channel, which the API's WebSocket carries."""

from __future__ import annotations

import logging
from typing import Any

from tatiana import LiveEvents
from tatiana_moderation.automod.rules import Hit
from tatiana_moderation.cases import Case

log = logging.getLogger(__name__)


def alert_payload(case: Case, hit: Hit, *, deleted: bool) -> dict[str, Any]:
    """What the alert says: the case, the rule and its details, whether the message was deleted (ids as strings)."""
    return {
        "source": "automod",
        "action": case.action.value,
        "case_id": case.number,
        "rule": hit.rule,
        "details": {key: str(value) for key, value in hit.details.items()},
        "user_id": str(case.user_id),
        "moderator_id": None,
        "channel_id": str(case.channel_id) if case.channel_id is not None else None,
        "reason": case.reason,
        "message_deleted": deleted,
        "created_at": case.created_at.isoformat(),
    }


async def send_alert(live: LiveEvents, case: Case, hit: Hit, *, deleted: bool) -> None:
    """Publish the alert of an automod case; a coordination failure is logged, the case stands."""
    try:
        await live.moderation_alert(case.guild_id, alert_payload(case, hit, deleted=deleted))
    except Exception:
        log.warning(
            "could not publish the automod alert of case %s in guild %s",
            case.number,
            case.guild_id,
            exc_info=True,
        )
