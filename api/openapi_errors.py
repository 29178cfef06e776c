"""The OpenAPI schema's error answers as the API really sends them (``errors.py``), on every operation.

Litestar describes an error as ``{"status_code", "detail", "extra"}``; the API answers
``{"status", "error", "errors"?}``. Each route handler lists the refusals particular to it in ``raises``; this
adds those every route shares (401, 403 and 503 where a bearer token is required, 404 where the path has
parameters, 413 where there is a body, 429 where the rate limit applies) and gives every 4xx/5xx answer the real body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    Schema,
)

ERROR_SCHEMA = "Error"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

ERROR = Schema(
    type=OpenAPIType.OBJECT,
    required=["status", "error"],
    properties={
        "status": Schema(type=OpenAPIType.INTEGER, description="the HTTP status"),
        "error": Schema(type=OpenAPIType.STRING, description="what is wrong, for a person"),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            description="the fields at fault, when the request was refused for its content",
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["loc", "msg"],
                properties={
                    "loc": Schema(
                        type=OpenAPIType.ARRAY,
                        items=Schema(type=[OpenAPIType.STRING, OpenAPIType.INTEGER, OpenAPIType.NULL]),
                    ),
                    "msg": Schema(type=[OpenAPIType.STRING, OpenAPIType.NULL]),
                },
            ),
        ),
    },
    description="An error answer",
)

RETRY_AFTER = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.STRING), description="seconds to wait before trying again", required=True
)


def document_errors(openapi: OpenAPI, unlimited_paths: Iterable[str]) -> None:
    """Rewrite ``openapi`` in place: shared refusals added, every error answer's body the API's own."""
    if openapi.components.schemas is None:
        openapi.components.schemas = {}
    openapi.components.schemas[ERROR_SCHEMA] = ERROR
    unlimited = [re.compile(pattern) for pattern in unlimited_paths]
    for path, item in (openapi.paths or {}).items():
        limited = not any(pattern.search(path) for pattern in unlimited)
        for method in METHODS:
            operation = getattr(item, method, None)
            if isinstance(operation, Operation):
                _document(operation, limited)


def _document(operation: Operation, limited: bool) -> None:
    responses = operation.responses if operation.responses is not None else {}
    operation.responses = responses
    if operation.security:
        # provide_caller and the role checks of api/roles.py stand before every route that takes a token.
        responses.setdefault(
            "401", OpenAPIResponse(description="No valid bearer token, or the login was revoked")
        )
        responses.setdefault("403", OpenAPIResponse(description="The caller's role does not allow this"))
        responses.setdefault(
            "503", OpenAPIResponse(description="Dashboard login or the bot's token is not configured")
        )
    if any(getattr(parameter, "param_in", None) == "path" for parameter in operation.parameters or ()):
        # The router answers a path whose typed parameter does not parse (a guild id of letters) with 404.
        responses.setdefault("404", OpenAPIResponse(description="No such resource"))
    if operation.request_body is not None:
        responses.setdefault("413", OpenAPIResponse(description="The request body is too large"))
    if limited:
        responses["429"] = OpenAPIResponse(
            description="Too many requests from this client; wait Retry-After seconds",
            headers={"Retry-After": RETRY_AFTER},
        )
    for code, response in responses.items():
        if isinstance(response, OpenAPIResponse) and code[0] in "45":
            response.content = {
                "application/json": OpenAPIMediaType(schema=Reference(f"#/components/schemas/{ERROR_SCHEMA}"))
            }
