"""Schemathesis against the served OpenAPI schema: no 5xx, and every answer as the schema describes it.

The API runs under uvicorn on a real socket, with a migrated database holding the sandbox's guilds, the
sandbox's bot token, and a logged-in manager of one guild; schemathesis's requests run in a thread (they are blocking) while this
test's event loop serves the API and the sandbox's OAuth2 endpoints.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tatiana.api.app import create_app
from tatiana.api.server import serving_api
from tatiana.coordination import MemoryCoordination
from tatiana.registry import PluginRegistry
from tatiana.settings import Settings
from tatiana.testing.sandbox.server import Sandbox

from .bot_api import write_guild_rows
from .conftest import GREET, PLAIN, Defaults, People, login

EXAMPLES_PER_OPERATION = 60
TIME_BUDGET = 60.0  # seconds the whole run may take, so it stays in CI
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def describe(failure: BaseException) -> str:
    """A failure on one line: what broke and the request that showed it."""
    return " / ".join(line.strip() for line in str(failure).splitlines() if line.strip())[:600]


def fuzz(schema_url: str, base_url: str, token: str, guild_id: int) -> list[str]:
    """Every operation's failures (one line each) over ``EXAMPLES_PER_OPERATION`` generated requests."""
    schema = schemathesis.openapi.from_url(schema_url)
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    deadline = time.monotonic() + TIME_BUDGET
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            failures.append(f"an operation of the schema is invalid: {result.err()}")
            continue
        operation = result.ok()
        strategies = [operation.as_strategy(), operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)]
        names = {parameter.name for parameter in operation.path_parameters}
        known = {k: v for k, v in {"guild_id": guild_id, "name": "greet"}.items() if k in names}
        if known:
            # Also on the guild the caller manages and an installed plugin: the answers past the checks.
            strategies.append(operation.as_strategy(path_parameters=known))
        strategy = st.one_of(strategies)

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def check(case: Case[Any]) -> None:
            case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=10)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:
            found = exc.exceptions if isinstance(exc, BaseExceptionGroup) else (exc,)
            failures.extend(f"{operation.label}: {describe(failure)}" for failure in found)
        if time.monotonic() > deadline:
            failures.append(f"out of time after {operation.label}")
            break
    return failures


@pytest.mark.slow
async def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_schema(
    settings: Settings, people: People, sandbox: Sandbox
) -> None:
    await write_guild_rows(settings, people)
    app = create_app(
        settings,
        registry=PluginRegistry.of(GREET, PLAIN),
        defaults=Defaults(),
        coordination=MemoryCoordination(),
        bot_token=sandbox.token,
        requests_per_minute=100_000,
    )
    async with serving_api(app, "127.0.0.1", 0) as api:
        async with httpx.AsyncClient(base_url=api.url) as client:
            tokens: dict[str, Any] = await login(client, people.owner)
        failures = await asyncio.to_thread(
            fuzz, api.schema_url, api.url, tokens["access_token"], people.guild_a.id
        )

    assert failures == [], "\n".join(failures)
