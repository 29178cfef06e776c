"""The lease policy's witness settings, from ``tatiana run`` to the shard process's arguments."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tatiana.cli import cli
from tatiana.shards.lease_keeper import LeasePolicy
from tatiana.shards.worker_main import parse_args

WORKER_ARGS = ["--process", "a/0.1", "--capacity", "2", "--shard-count", "4", "--max-concurrency", "1"]


def test_a_takeover_waits_longer_than_a_holder_takes_to_see_its_claim() -> None:
    policy = LeasePolicy()
    # A holder reads the claims every poll: what is left of the delay is for its read and its stop.
    assert policy.witness_poll <= policy.tick / 2
    assert policy.witness_delay - policy.witness_poll >= 1.0


def test_the_shard_process_takes_the_witness_delay_from_its_arguments() -> None:
    config, _, _ = parse_args([*WORKER_ARGS, "--witness-delay", "2.4"])
    assert config.policy.witness_delay == 2.4
    assert config.policy.witness_poll == pytest.approx(0.8)
    default, _, _ = parse_args(WORKER_ARGS)
    assert default.policy == LeasePolicy()


def test_tatiana_run_offers_the_witness_delay() -> None:
    result = CliRunner().invoke(cli, ["run", "--help"])
    assert result.exit_code == 0, result.output
    assert "--witness-delay" in result.output
