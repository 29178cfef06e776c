"""What shard processes share: the identify queue, shard leases, status records and handed-over sessions."""

from tatiana.sharding.base import IdentifyQueue, LeaseStore, SessionStore, Sharding, StatusStore
from tatiana.sharding.factory import create_sharding
from tatiana.sharding.memory import memory_sharding
from tatiana.sharding.records import (
    ClusterShape,
    ProcessState,
    ProcessStatus,
    ResumeState,
    ShardState,
    ShardStatus,
)

__all__ = [
    "ClusterShape",
    "IdentifyQueue",
    "LeaseStore",
    "ProcessState",
    "ProcessStatus",
    "ResumeState",
    "SessionStore",
    "ShardState",
    "ShardStatus",
    "Sharding",
    "StatusStore",
    "create_sharding",
    "memory_sharding",
]
