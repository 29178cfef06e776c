"""The bot's own REST client in the API process: guild members and channels, moderation actions."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import hikari
from hikari.impl import RESTApp, RESTClientImpl

# An API request must not hang behind a long Discord rate limit: past this, hikari raises instead of waiting.
MAX_RATE_LIMIT_WAIT = 10.0


@contextlib.asynccontextmanager
async def bot_rest(token: str, url: str) -> AsyncIterator[hikari.api.RESTClient]:
    """A started REST client authorised as the bot at ``url`` (Discord or the sandbox), closed on exit."""
    app = RESTApp(url=url, max_rate_limit=MAX_RATE_LIMIT_WAIT, max_retries=1)
    await app.start()
    client: RESTClientImpl = app.acquire(token, hikari.TokenType.BOT)
    client.start()
    try:
        yield client
    finally:
        await client.close()
        await app.close()
