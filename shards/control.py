"""The shard control channel: the messages shard processes, launchers and the CLI exchange.

Plugin toggles and settings changes travel on their own channel (``GuildPluginService.CHANNEL``); this one
carries what concerns shards and processes.
"""

from __future__ import annotations

from typing import Any

CONTROL_CHANNEL = "shards"

RELEASED = "released"  # a process gave a shard's lease up: whoever has room may take it now
RESTART = "restart"  # the process's launcher replaces it with a new one, handing its shards over


def released(shard_id: int, process: str) -> dict[str, Any]:
    """``process`` gave up the lease of ``shard_id``."""
    return {"type": RELEASED, "shard_id": shard_id, "process": process}


def restart(process: str, request: str) -> dict[str, Any]:
    """Ask ``process``'s launcher to replace it; ``request`` identifies the request in logs."""
    return {"type": RESTART, "process": process, "request": request}
