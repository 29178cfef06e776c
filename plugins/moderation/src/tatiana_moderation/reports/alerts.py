"""Moderation alerts for the guild's dashboards: a new report, a new appeal (their cases alert by themselves)."""

from __future__ import annotations

import logging

from tatiana import LiveEvents
from tatiana_moderation.reports.store import Appeal, Report

log = logging.getLogger(__name__)


def report_data(report: Report) -> dict[str, object]:
    """A new report as the dashboard's moderation alert shows it (ids as strings: JavaScript loses them)."""
    return {
        "action": "report",
        "source": "report",
        "report": report.id,
        "user_id": str(report.author_id),
        "reporter_id": str(report.reporter_id),
        "channel_id": str(report.channel_id),
        "message_id": str(report.message_id),
        "reason": report.reason,
    }


def appeal_data(appeal: Appeal) -> dict[str, object]:
    """A new ban appeal as the dashboard's moderation alert shows it."""
    return {"action": "appeal", "source": "appeal", "appeal": appeal.id, "user_id": str(appeal.user_id)}


async def _publish(live: LiveEvents, guild_id: int, data: dict[str, object]) -> None:
    try:
        await live.moderation_alert(guild_id, data)
    except Exception:
        # A coordination outage only costs the alert: the report or appeal is recorded and posted.
        log.warning("could not publish the moderation alert %s of guild %s", data, guild_id, exc_info=True)


async def report_filed(live: LiveEvents, report: Report) -> None:
    """Tell the guild's dashboards that a report waits in the queue."""
    await _publish(live, report.guild_id, report_data(report))


async def appeal_filed(live: LiveEvents, appeal: Appeal) -> None:
    """Tell the guild's dashboards that a banned user appealed."""
    await _publish(live, appeal.guild_id, appeal_data(appeal))
