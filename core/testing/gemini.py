"""A local Gemini-compatible HTTP server for tests: the real google-genai client reaches it by base URL.

It serves ``POST /{version}/models/{model}:generateContent`` and ``:streamGenerateContent?alt=sse`` in the
Gemini REST API's JSON shape (candidates, ``usageMetadata``), answers with scripted replies (or echoes the
last user text), fails on demand with Gemini's error JSON, and records every request::

    async with FakeGemini() as gemini:
        gemini.reply("Paris.", chunks=["Pa", "ris."])
        client = genai.Client(api_key="test", http_options=HttpOptions(base_url=gemini.base_url))

Unscripted requests get ``answer(request)``: by default "Echo: " and the last user text.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import web

__all__ = ["FakeGemini", "GeminiRequest", "ScriptedBlock", "ScriptedCall", "ScriptedError", "ScriptedReply"]

STATUS_NAMES = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL"}


@dataclass(frozen=True)
class GeminiRequest:
    """One request the server received."""

    model: str
    stream: bool
    api_key: str | None
    body: dict[str, Any]

    @property
    def system_instruction(self) -> str:
        """The text of the request's system instruction."""
        parts = (self.body.get("systemInstruction") or {}).get("parts") or []
        return "".join(part.get("text", "") for part in parts)

    @property
    def user_text(self) -> str:
        """The text of the last user turn."""
        turns = [c for c in self.body.get("contents") or [] if c.get("role", "user") == "user"]
        parts = turns[-1].get("parts", []) if turns else []
        return "".join(part.get("text", "") for part in parts)

    @property
    def tools(self) -> list[str]:
        """The names of the functions the request offers the model."""
        return [
            declaration["name"]
            for tool in self.body.get("tools") or []
            for declaration in tool.get("functionDeclarations") or []
        ]

    @property
    def function_responses(self) -> list[tuple[str, dict[str, Any]]]:
        """The ``(name, response)`` of every function result the request carries back to the model."""
        return [
            (part["functionResponse"]["name"], part["functionResponse"]["response"])
            for content in self.body.get("contents") or []
            for part in content.get("parts") or []
            if "functionResponse" in part
        ]

    @property
    def images(self) -> list[tuple[str, bytes]]:
        """The ``(mime type, bytes)`` of every inline image of the last user turn."""
        turns = [c for c in self.body.get("contents") or [] if c.get("role", "user") == "user"]
        parts = turns[-1].get("parts", []) if turns else []
        # Gemini reads both spellings and both base64 alphabets; google-genai sends url-safe base64.
        inline = [part.get("inlineData") or part.get("inline_data") for part in parts]
        return [
            (
                data.get("mimeType") or data["mime_type"],
                base64.b64decode(data["data"].replace("-", "+").replace("_", "/")),
            )
            for data in inline
            if data is not None
        ]

    @property
    def generation_config(self) -> dict[str, Any]:
        """The request's ``generationConfig``."""
        return dict(self.body.get("generationConfig") or {})


@dataclass(frozen=True)
class ScriptedReply:
    """An answer to give: its chunks (streamed one SSE event each), the pause between them and token counts."""

    chunks: list[str]
    delay: float = 0.0
    prompt_tokens: int = 10
    finish_reason: str = "STOP"

    @property
    def text(self) -> str:
        """The whole answer."""
        return "".join(self.chunks)


@dataclass(frozen=True)
class ScriptedCall:
    """A function call to ask for instead of an answer: ``functionCall`` parts, one per call."""

    calls: list[tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class ScriptedError:
    """A failure to give: an HTTP status and Gemini's error message."""

    status: int
    message: str


@dataclass(frozen=True)
class ScriptedBlock:
    """A question the model refuses for safety: ``promptFeedback.blockReason`` and no candidate."""

    reason: str = "SAFETY"


@dataclass
class FakeGemini:
    """A running local Gemini server; ``reply``/``fail`` script its next answers, ``requests`` lists what it got."""

    host: str = "127.0.0.1"
    answer: Callable[[GeminiRequest], str] = field(default=lambda request: f"Echo: {request.user_text}")
    """The text of an answer nothing scripted."""
    requests: list[GeminiRequest] = field(default_factory=list)
    _script: deque[ScriptedReply | ScriptedCall | ScriptedError | ScriptedBlock] = field(
        default_factory=deque
    )
    _runner: web.AppRunner | None = None
    _port: int = 0

    @property
    def base_url(self) -> str:
        """What to give google-genai as ``HttpOptions(base_url=...)``."""
        return f"http://{self.host}:{self._port}/"

    def reply(
        self, text: str, *, chunks: list[str] | None = None, delay: float = 0.0, prompt_tokens: int = 10
    ) -> None:
        """Answer the next request with ``text`` (streamed as ``chunks`` when given)."""
        parts = chunks if chunks is not None else [text]
        if "".join(parts) != text:
            raise ValueError("the chunks must add up to the text")
        self._script.append(ScriptedReply(parts, delay, prompt_tokens))

    def call(self, name: str, **arguments: Any) -> None:
        """Answer the next request by asking for the function ``name`` with ``arguments``."""
        self._script.append(ScriptedCall([(name, arguments)]))

    def fail(self, status: int, message: str = "scripted failure") -> None:
        """Answer the next request with an HTTP error in Gemini's JSON shape."""
        self._script.append(ScriptedError(status, message))

    def block(self, reason: str = "SAFETY") -> None:
        """Refuse the next question for safety, as Gemini does (``promptFeedback.blockReason``)."""
        self._script.append(ScriptedBlock(reason))

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_post("/{version}/models/{call}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.base_events.Server)
        self._port = server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        model, _, method = request.match_info["call"].partition(":")
        if method not in ("generateContent", "streamGenerateContent"):
            return _error(404, f"unknown method {method!r}")
        stream = method == "streamGenerateContent"
        body = await request.json()
        recorded = GeminiRequest(model, stream, request.headers.get("x-goog-api-key"), body)
        self.requests.append(recorded)
        scripted = self._script.popleft() if self._script else ScriptedReply([self.answer(recorded)])
        if isinstance(scripted, ScriptedError):
            return _error(scripted.status, scripted.message)
        if isinstance(scripted, ScriptedCall):
            asked = _function_calls(model, scripted)
            return web.json_response(asked) if not stream else await _sse(request, [asked])
        if isinstance(scripted, ScriptedBlock):
            blocked = {"promptFeedback": {"blockReason": scripted.reason}, "usageMetadata": _usage(10, 0)}
            if not stream:
                return web.json_response(blocked)
            scripted_events = [blocked]
            return await _sse(request, scripted_events)
        if not stream:
            return web.json_response(_chunk(model, scripted, scripted.text, len(scripted.chunks)))
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for index, chunk in enumerate(scripted.chunks, start=1):
            if index > 1 and scripted.delay:
                await asyncio.sleep(scripted.delay)
            event = _chunk(model, scripted, chunk, index, final=index == len(scripted.chunks))
            await response.write(f"data: {json.dumps(event)}\r\n\r\n".encode())
        await response.write_eof()
        return response


def _function_calls(model: str, scripted: ScriptedCall) -> dict[str, Any]:
    parts = [{"functionCall": {"name": name, "args": args}} for name, args in scripted.calls]
    return {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": _usage(10, 5),
        "modelVersion": model,
    }


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _chunk(model: str, reply: ScriptedReply, text: str, index: int, *, final: bool = True) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}]}, "index": 0}
    if final:
        candidate["finishReason"] = reply.finish_reason
    so_far = _tokens("".join(reply.chunks[:index]))
    return {
        "candidates": [candidate],
        "usageMetadata": _usage(reply.prompt_tokens, so_far),
        "modelVersion": model,
    }


def _usage(prompt: int, answer: int) -> dict[str, int]:
    return {"promptTokenCount": prompt, "candidatesTokenCount": answer, "totalTokenCount": prompt + answer}


async def _sse(request: web.Request, events: list[dict[str, Any]]) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    for event in events:
        await response.write(f"data: {json.dumps(event)}\r\n\r\n".encode())
    await response.write_eof()
    return response


def _error(status: int, message: str) -> web.Response:
    payload = {"error": {"code": status, "message": message, "status": STATUS_NAMES.get(status, "UNKNOWN")}}
    return web.json_response(payload, status=status)
