"""Handler dependencies: the shared services and the caller's verified access token."""

from __future__ import annotations

from typing import Any, cast

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException

from tatiana.api.access_tokens import AccessClaims, InvalidAccessToken
from tatiana.api.services import ApiServices

BEARER_HEADERS = {"WWW-Authenticate": "Bearer"}
BEARER_SCHEME = "BearerToken"


def provide_services(state: State) -> ApiServices:
    """The application's services."""
    return cast(ApiServices, state.services)


def provide_caller(request: Request[Any, Any, Any], services: NamedDependency[ApiServices]) -> AccessClaims:
    """The claims of the request's bearer token; 401 without a valid one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthorizedException("missing bearer token", headers=BEARER_HEADERS)
    try:
        return services.access_tokens.verify(token.strip())
    except InvalidAccessToken as exc:
        raise NotAuthorizedException(str(exc), headers=BEARER_HEADERS) from None
