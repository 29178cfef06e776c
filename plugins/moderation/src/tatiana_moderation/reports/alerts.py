"""Moderation alerts for the dashboard's live view: a new report is one."""

from __future__ import annotations

from tatiana_moderation.reports.store import Report


async def report_filed(report: Report) -> None:
    """Tell the guild's dashboards that a report waits in the queue.

    The live-updates channel (``tatiana.live_events``) is not in this branch yet: this is where a report's
    alert is published once it is.
    """
    return None
