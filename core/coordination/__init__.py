"""Coordination between bot processes: pub/sub channels and shared keys, in memory or through Redis."""

from tatiana.coordination.base import Coordination, Message, Subscription
from tatiana.coordination.events import CASE_TOLD_CHANNEL, EVENTS_CHANNEL, EventKind, InvalidEvent, LiveEvent
from tatiana.coordination.factory import create_coordination
from tatiana.coordination.memory import MemoryCoordination

__all__ = [
    "CASE_TOLD_CHANNEL",
    "EVENTS_CHANNEL",
    "Coordination",
    "EventKind",
    "InvalidEvent",
    "LiveEvent",
    "MemoryCoordination",
    "Message",
    "Subscription",
    "create_coordination",
]
