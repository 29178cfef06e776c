"""The ``tatiana`` command as an operator runs it: the installed entry point, in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TATIANA = shutil.which("tatiana", path=str(Path(sys.executable).parent)) or "tatiana"
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "TATIANA_", "DATABASE_", "REDIS_"))
    }
    return subprocess.run(
        [TATIANA, *args],
        cwd=cwd,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tatiana: error: ")
    return lines[0]


def test_plugins_list_shows_first_party_plugins(tmp_path: Path) -> None:
    result = run(tmp_path, "plugins", "list", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    for name in ("economy", "moderation", "ai", "levels"):
        assert rows[name]["distribution"] == f"tatiana-{name}"
        assert rows[name]["status"] == "loaded", rows[name]["error"]
        assert rows[name]["version"]
    table = run(tmp_path, "plugins", "list")
    assert table.returncode == 0
    assert table.stdout.splitlines()[0].split() == [
        "NAME",
        "VERSION",
        "DISTRIBUTION",
        "DEFAULT",
        "STATUS",
        "ERROR",
    ]


def test_plugins_list_reads_defaults_from_plugins_toml(tmp_path: Path) -> None:
    (tmp_path / "plugins.toml").write_text("[plugins.levels]\nenabled = true\n")
    rows = {row["name"]: row for row in json.loads(run(tmp_path, "plugins", "list", "--json").stdout)}
    assert rows["levels"]["default"] is True
    assert rows["economy"]["default"] is False


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["bogus"], "No such command 'bogus'"),
        (["plugins", "list", "--colour"], "--colour"),
        (["db", "downgrade"], "Missing argument 'REVISION'"),
    ],
)
def test_bad_usage_exits_2_with_one_line(tmp_path: Path, args: list[str], expected: str) -> None:
    assert expected in one_error_line(run(tmp_path, *args))


def test_bad_environment_exits_2_with_one_line(tmp_path: Path) -> None:
    line = one_error_line(run(tmp_path, "config", "check", REDIS_URL="http://nope"))
    assert "REDIS_URL" in line and "redis://" in line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[plugins.nosuch]\nenabled = true\n", "plugins.nosuch: no installed plugin named 'nosuch'"),
        (
            "[plugins.economy.settings]\nno_such_setting = 1\n",
            "plugins.economy.settings.no_such_setting: unknown",
        ),
        ("[plugins.economy]\nenabled = 3\n", "plugins.economy.enabled: must be true or false"),
        (
            "[plugins.economy.settings]\nstarting_balance = -5\n",
            "plugins.economy.settings.starting_balance: Input should be greater than or equal to 0",
        ),
        ("[plugins.economy\n", "invalid TOML"),
    ],
)
def test_bad_plugins_toml_exits_2_naming_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "plugins.toml").write_text(text)
    line = one_error_line(run(tmp_path, "config", "check"))
    assert "plugins.toml" in line and expected in line


def test_config_check_masks_secrets(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "config",
        "check",
        DISCORD_TOKEN=TOKEN,
        DISCORD_CLIENT_SECRET="client-secret-value",
        GEMINI_API_KEY="gemini-key-value",
        JWT_SECRET="jwt-secret-value",
        DATABASE_URL="postgresql://bot:db-password@127.0.0.1/tatiana",
        REDIS_URL="redis://:redis-password@127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "configuration OK" in output
    rows = [line.partition(" ") for line in result.stdout.splitlines()]
    shown = {name: value.strip() for name, _, value in rows}
    for name in ("DISCORD_TOKEN", "DISCORD_CLIENT_SECRET", "GEMINI_API_KEY", "JWT_SECRET"):
        assert shown[name] == "********", name
    assert "postgresql://bot:********@127.0.0.1/tatiana" in output
    assert "redis://:********@127.0.0.1:6379/0" in output
    for secret in (
        TOKEN,
        "client-secret-value",
        "gemini-key-value",
        "jwt-secret-value",
        "db-password",
        "redis-password",
    ):
        assert secret not in output


def test_config_check_reports_embedded_default(tmp_path: Path) -> None:
    result = run(tmp_path, "config", "check")
    assert result.returncode == 0, result.stderr
    assert f"sqlite+aiosqlite:///{tmp_path / 'data' / 'tatiana.db'}" in result.stdout


def test_db_upgrade_current_downgrade(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url}
    assert "no revision applied" in run(tmp_path, "db", "current", **env).stdout
    upgraded = run(tmp_path, "db", "upgrade", **env)
    assert upgraded.returncode == 0, upgraded.stderr
    current = run(tmp_path, "db", "current", **env)
    assert current.returncode == 0, current.stderr
    branches = {line.split()[1] for line in current.stdout.splitlines()}
    assert branches >= {"(core)", "(economy)", "(moderation)", "(ai)", "(levels)"}, current.stdout
    one_plugin = run(tmp_path, "db", "downgrade", "economy@base", **env)
    assert one_plugin.returncode == 0, one_plugin.stderr
    after = run(tmp_path, "db", "current", **env).stdout
    assert "(economy)" not in after and "(core)" in after, after
    downgraded = run(tmp_path, "db", "downgrade", "base", **env)
    assert downgraded.returncode == 0, downgraded.stderr
    assert "no revision applied" in run(tmp_path, "db", "current", **env).stdout


def test_db_upgrade_to_unknown_revision_is_an_input_error(tmp_path: Path) -> None:
    line = one_error_line(
        run(tmp_path, "db", "upgrade", "nosuchrev", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    )
    assert "nosuchrev" in line


def test_db_on_unreachable_server_fails_with_one_line_and_no_password(tmp_path: Path) -> None:
    result = run(tmp_path, "db", "current", DATABASE_URL="postgresql://nobody:db-password@127.0.0.1:1/none")
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith(
        "tatiana: error: database postgresql+asyncpg://nobody:********@127.0.0.1:1/none"
    )
    assert "db-password" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "command", [["db", "downgrade", "nosuchrev"], ["db", "upgrade", "economy@nosuchrev"]]
)
def test_db_to_an_unknown_revision_is_an_input_error(tmp_path: Path, command: list[str]) -> None:
    line = one_error_line(run(tmp_path, *command, DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"))
    assert "nosuchrev" in line


def test_worker_needs_redis_and_the_bots_token(tmp_path: Path) -> None:
    assert "`tatiana worker` needs REDIS_URL" in one_error_line(run(tmp_path, "worker", DISCORD_TOKEN=TOKEN))
    line = one_error_line(run(tmp_path, "worker", REDIS_URL="redis://127.0.0.1:6379/0"))
    assert "DISCORD_TOKEN is not set" in line
