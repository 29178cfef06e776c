"""Calls to Discord as the bot, from a route: the client, and Discord's refusals as the API's own answers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import hikari
from litestar.exceptions import HTTPException, NotFoundException, ServiceUnavailableException
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_502_BAD_GATEWAY

from tatiana.api.services import ApiServices


def bot_client(services: ApiServices) -> hikari.api.RESTClient:
    """The bot's REST client; 503 when the API has no bot token."""
    if services.bot_rest is None:
        raise ServiceUnavailableException("the API has no bot token (DISCORD_TOKEN) to act on Discord")
    return services.bot_rest


@contextlib.contextmanager
def discord_answers(what: str) -> Iterator[None]:
    """Turn Discord's refusals of ``what`` into 404, 409, 503 or 502 answers that say what happened."""
    try:
        yield
    except hikari.NotFoundError:
        raise NotFoundException(f"Discord does not know {what}") from None
    except hikari.ForbiddenError:
        raise HTTPException(
            f"Discord refused {what}: the bot lacks the permission, or ranks below the member",
            status_code=HTTP_409_CONFLICT,
        ) from None
    except hikari.RateLimitTooLongError as exc:
        raise ServiceUnavailableException(
            f"Discord rate-limits {what}; try again later",
            headers={"Retry-After": str(max(1, int(exc.retry_after)))},
        ) from None
    except hikari.HTTPResponseError as exc:
        raise HTTPException(
            f"Discord answered {int(exc.status)} to {what}", status_code=HTTP_502_BAD_GATEWAY
        ) from None
    except hikari.HTTPError:
        raise HTTPException(
            f"Discord could not be reached for {what}", status_code=HTTP_502_BAD_GATEWAY
        ) from None
