"""Moderation alerts: every automod hit told on the coordination channel, which the API's WebSocket carries."""

from __future__ import annotations

import logging

from tatiana import LiveEvents
from tatiana_moderation.automod.rules import Hit
from tatiana_moderation.cases import Case
from tatiana_moderation.reporting import alert_data

log = logging.getLogger(__name__)


def alert_payload(case: Case, hit: Hit, *, deleted: bool) -> dict[str, object]:
    """A case's alert as every case has it, plus the rule, its details, the channel and whether the message went."""
    return alert_data(case) | {
        "rule": hit.rule,
        "details": {key: str(value) for key, value in hit.details.items()},
        "channel_id": str(case.channel_id) if case.channel_id is not None else None,
        "message_deleted": deleted,
    }


async def send_alert(live: LiveEvents, case: Case, hit: Hit, *, deleted: bool) -> None:
    """Publish the alert of an automod case; a coordination outage only costs the alert."""
    try:
        await live.moderation_alert(case.guild_id, alert_payload(case, hit, deleted=deleted))
    except Exception:
        log.warning(
            "could not publish the automod alert of case %s in guild %s",
            case.number,
            case.guild_id,
            exc_info=True,
        )
