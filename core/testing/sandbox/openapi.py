"""Checks REST answers against Discord's official OpenAPI 3.1 description (``discord-openapi.json``).

The description ships gzipped in ``tatiana/testing/sandbox/data`` (MIT, Discord's licence beside it);
``TATIANA_DISCORD_OPENAPI`` points at another copy. Schemas are JSON Schema draft 2020-12; the validator
here implements every keyword the description uses (and refuses a schema with any other), so it needs
no third-party package. ``format`` is asserted for date-time, uri and the integer widths.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
import os
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ENV_VAR = "TATIANA_DISCORD_OPENAPI"
_PACKAGED = Path(__file__).resolve().parent / "data" / "discord-openapi.json.gz"
_PARAM = re.compile(r"\{[^}]+\}")
_ANNOTATIONS = frozenset(
    {
        "description",
        "title",
        "x-discord-union",
        "contentEncoding",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
        "format",
    }
)
_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


class OpenAPIMismatch(AssertionError):
    """A REST answer that does not match Discord's OpenAPI description."""


def description_path() -> Path:
    """Where the description is read from: the environment variable, the packaged copy, or the repository's."""
    if configured := os.environ.get(ENV_VAR):
        return Path(configured)
    if _PACKAGED.exists():
        return _PACKAGED
    for parent in Path(__file__).resolve().parents:
        candidate = parent.parent / "shared" / "discord-openapi.json"
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"discord-openapi.json not found: set {ENV_VAR}")


def _read(path: Path) -> dict[str, Any]:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    document = json.loads(raw)
    assert isinstance(document, dict)
    return document


def _template_key(path: str) -> str:
    return _PARAM.sub("{}", path.rstrip("/") or "/")


class OpenAPI:
    """Discord's OpenAPI description: the operations and a validator for their answers."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._operations: dict[tuple[str, str], dict[str, Any]] = {}
        for path, item in document["paths"].items():
            for method, operation in item.items():
                if isinstance(operation, dict) and "responses" in operation:
                    self._operations[(method.upper(), _template_key(path))] = operation

    def operation(self, method: str, path: str) -> dict[str, Any]:
        """The operation for a method and a path template (parameter names may differ)."""
        try:
            return self._operations[(method.upper(), _template_key(path))]
        except KeyError:
            raise KeyError(f"{method.upper()} {path} is not in Discord's OpenAPI description") from None

    def has_operation(self, method: str, path: str) -> bool:
        """Whether Discord's description documents this method and path template."""
        return (method.upper(), _template_key(path)) in self._operations

    def response_schema(self, method: str, path: str, status: int) -> dict[str, Any] | None:
        """The JSON schema of an answer with ``status``; None when that answer has no body."""
        responses = self.operation(method, path)["responses"]
        response = (
            responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
        )
        if response is None:
            raise KeyError(f"{method.upper()} {path} does not document status {status}")
        response = self.resolve(response)
        content = response.get("content")
        if not content:
            return None
        media = content.get("application/json")
        if media is None:
            raise KeyError(f"{method.upper()} {path} {status} has no JSON body")
        schema = media["schema"]
        assert isinstance(schema, dict)
        return schema

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """A ``$ref`` followed to what it names (other nodes as they are)."""
        while "$ref" in node and len(node) == 1:
            node = self.ref(node["$ref"])
        return node

    def ref(self, pointer: str) -> dict[str, Any]:
        """The node a local JSON pointer (``#/components/...``) names."""
        if not pointer.startswith("#/"):
            raise NotImplementedError(f"only local $ref are supported: {pointer}")
        node: Any = self.document
        for part in pointer[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        assert isinstance(node, dict)
        return node

    def validate(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """What is wrong with an answer (empty when it matches the documented schema)."""
        schema = self.response_schema(method, path, status)
        if schema is None:
            return [] if body is None else [f"{method} {path} {status}: documented without a body"]
        return [f"{method} {path} {status}: {error}" for error in self.errors(schema, body)]

    def check(self, method: str, path: str, status: int, body: Any) -> None:
        """Raise OpenAPIMismatch unless the answer matches the documented schema."""
        errors = self.validate(method, path, status, body)
        if errors:
            raise OpenAPIMismatch("\n".join(errors[:20]))

    def errors(self, schema: dict[str, Any], instance: Any) -> list[str]:
        """What is wrong with ``instance`` against ``schema`` (draft 2020-12)."""
        return list(self._errors(schema, instance, "$"))

    # --- the validator -------------------------------------------------------------------------------------
    def _errors(self, schema: dict[str, Any] | bool, value: Any, where: str) -> Iterator[str]:
        if schema is True:
            return
        if schema is False:
            yield f"{where}: no value is allowed here"
            return
        for keyword, rule in schema.items():
            if keyword in _ANNOTATIONS:
                if keyword == "format":
                    yield from _format_errors(rule, value, where)
                continue
            if keyword == "$ref":
                yield from self._errors(self.ref(rule), value, where)
            elif keyword == "type":
                types = rule if isinstance(rule, list) else [rule]
                if not any(_is_type(value, t) for t in types):
                    yield f"{where}: expected {' or '.join(types)}, got {_describe(value)}"
                    return
            elif keyword == "const":
                if not _equal(value, rule):
                    yield f"{where}: expected {rule!r}, got {value!r}"
            elif keyword == "enum":
                if not any(_equal(value, option) for option in rule):
                    yield f"{where}: {value!r} is not one of {rule!r}"
            elif keyword == "allOf":
                for sub in rule:
                    yield from self._errors(sub, value, where)
            elif keyword == "anyOf":
                failures = [list(self._errors(sub, value, where)) for sub in rule]
                if all(failures):
                    yield f"{where}: matches none of anyOf: {_closest(failures)}"
            elif keyword == "oneOf":
                failures = [list(self._errors(sub, value, where)) for sub in rule]
                matched = sum(1 for f in failures if not f)
                if matched == 0:
                    yield f"{where}: matches none of oneOf: {_closest(failures)}"
                elif matched > 1:
                    yield f"{where}: matches {matched} of oneOf, exactly one expected"
            elif keyword in (
                "properties",
                "required",
                "additionalProperties",
                "minProperties",
                "maxProperties",
            ):
                if isinstance(value, dict):
                    yield from self._object_errors(keyword, rule, schema, value, where)
            elif keyword in ("items", "minItems", "maxItems", "uniqueItems"):
                if isinstance(value, list):
                    yield from self._array_errors(keyword, rule, value, where)
            elif keyword in ("minLength", "maxLength", "pattern"):
                if isinstance(value, str):
                    yield from _string_errors(keyword, rule, value, where)
            elif keyword in ("minimum", "maximum"):
                if _is_type(value, "number") and (value < rule if keyword == "minimum" else value > rule):
                    yield f"{where}: {value} is {'below the minimum' if keyword == 'minimum' else 'above the maximum'} {rule}"
            else:
                raise NotImplementedError(f"JSON Schema keyword {keyword!r} is not supported ({where})")

    def _object_errors(
        self, keyword: str, rule: Any, schema: dict[str, Any], value: dict[str, Any], where: str
    ) -> Iterator[str]:
        if keyword == "properties":
            for name, sub in rule.items():
                if name in value:
                    yield from self._errors(sub, value[name], f"{where}.{name}")
        elif keyword == "required":
            for name in rule:
                if name not in value:
                    yield f"{where}: missing required {name!r}"
        elif keyword == "additionalProperties":
            known = schema.get("properties", {})
            for name, item in value.items():
                if name not in known:
                    yield from self._errors(rule, item, f"{where}.{name}")
        elif keyword == "minProperties" and len(value) < rule:
            yield f"{where}: fewer than {rule} properties"
        elif keyword == "maxProperties" and len(value) > rule:
            yield f"{where}: more than {rule} properties"

    def _array_errors(self, keyword: str, rule: Any, value: list[Any], where: str) -> Iterator[str]:
        if keyword == "items":
            for index, item in enumerate(value):
                yield from self._errors(rule, item, f"{where}[{index}]")
        elif keyword == "minItems" and len(value) < rule:
            yield f"{where}: fewer than {rule} items"
        elif keyword == "maxItems" and len(value) > rule:
            yield f"{where}: more than {rule} items"
        elif keyword == "uniqueItems" and rule:
            seen: list[str] = []
            for item in value:
                key = json.dumps(item, sort_keys=True)
                if key in seen:
                    yield f"{where}: items are not unique ({item!r} repeats)"
                    return
                seen.append(key)


def _is_type(value: Any, name: str) -> bool:
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if name == "string":
        return isinstance(value, str)
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    raise NotImplementedError(f"JSON Schema type {name!r}")


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


def _describe(value: Any) -> str:
    text = json.dumps(value, default=str)
    return f"{type(value).__name__} {text[:60]}"


def _closest(failures: list[list[str]]) -> str:
    best = min(failures, key=len)
    return "; ".join(best[:3])


def _string_errors(keyword: str, rule: Any, value: str, where: str) -> Iterator[str]:
    if keyword == "minLength" and len(value) < rule:
        yield f"{where}: shorter than {rule} characters"
    elif keyword == "maxLength" and len(value) > rule:
        yield f"{where}: longer than {rule} characters"
    elif keyword == "pattern" and re.search(rule, value) is None:
        yield f"{where}: {value!r} does not match {rule!r}"


def _format_errors(name: str, value: Any, where: str) -> Iterator[str]:
    if name in _INT_RANGES and isinstance(value, int) and not isinstance(value, bool):
        low, high = _INT_RANGES[name]
        if not low <= value <= high:
            yield f"{where}: {value} does not fit {name}"
    elif name == "date-time" and isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            yield f"{where}: {value!r} is not an ISO 8601 date-time"
            return
        if parsed.tzinfo is None or "T" not in value:
            yield f"{where}: {value!r} is not an RFC 3339 date-time with a time zone"
    elif name == "uri" and isinstance(value, str):
        parts = urlsplit(value)
        if not parts.scheme or not (parts.netloc or parts.path):
            yield f"{where}: {value!r} is not an absolute URI"


# Where Discord's description contradicts what Discord sends, the sandbox follows Discord; each correction
# is listed here and applied to the loaded description (pass ``corrected=False`` to ``load`` to see the raw one).
CORRECTIONS = {
    "InnerErrors": (
        "a field error's code is a string such as BASE_TYPE_REQUIRED (Discord's 'Error Messages' reference), "
        "where the description reuses the top-level Error object with an integer code"
    ),
}


def _correct(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document["components"]["schemas"]
    schemas["InnerErrors"]["properties"]["_errors"]["items"] = {
        "type": "object",
        "properties": {"code": {"type": ["string", "integer"]}, "message": {"type": "string"}},
        "required": ["code", "message"],
    }
    return document


@functools.cache
def load(*, corrected: bool = True) -> OpenAPI:
    """Discord's OpenAPI description, read once per process, with the ``CORRECTIONS`` applied."""
    document = _read(description_path())
    return OpenAPI(_correct(document) if corrected else document)


def validate_response(method: str, path: str, status: int, body: Any) -> list[str]:
    """What is wrong with a REST answer, by the loaded description (empty when it matches)."""
    return load().validate(method, path, status, body)
