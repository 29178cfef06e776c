"""Buffered counters: hot integer increments (XP, command usage) kept outside the database, written in batches.

A plugin declares a ``BufferedCounter`` (its name and how to write one batch) in ``Plugin(counters=...)``,
adds increments through the injected ``Counters``, and the bot writes every counter's buffer every few
seconds, one write per key. The buffer is a ``CounterStore``: in memory on the embedded default, in Redis
with ``REDIS_URL`` (there, a crashed process's increments wait for the next process's flush).
"""

from tatiana.counters.base import CounterBatch, CounterStore
from tatiana.counters.buffered import BufferedCounter, CounterWriter
from tatiana.counters.counters import DEFAULT_FLUSH_INTERVAL, Counters
from tatiana.counters.factory import create_counter_store
from tatiana.counters.memory import MemoryCounterStore

__all__ = [
    "DEFAULT_FLUSH_INTERVAL",
    "BufferedCounter",
    "CounterBatch",
    "CounterStore",
    "CounterWriter",
    "Counters",
    "MemoryCounterStore",
    "create_counter_store",
]
