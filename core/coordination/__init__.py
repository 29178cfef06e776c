"""Coordination between bot processes: pub/sub channels and shared keys (in memory, or Redis in tatiana.shards)."""

from tatiana.coordination.base import Coordination, Message, Subscription

__all__ = ["Coordination", "Message", "Subscription"]
