"""Gemini through google-genai: the bot's key and endpoint, and one streamed answer as text deltas and usage.

google-genai (with httpx, anyio, websockets...) takes some 30 MB once imported: it is imported on the first
question, not with the plugin, so a bot whose servers never ask the model does not carry it.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp

from tatiana.settings import Settings

if TYPE_CHECKING:
    from google import genai
    from google.genai import errors, types

BASE_URL_VARIABLE = "GEMINI_BASE_URL"
"""Environment variable pointing google-genai at another Gemini-compatible endpoint (a local test server)."""

BLOCKED_FINISH_REASONS = frozenset({"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION"})


class ModelError(Exception):
    """The model gave no usable answer; ``kind`` says why: timeout, rate_limited, unavailable, refused,
    blocked or empty."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


@dataclass(frozen=True)
class GeminiConfig:
    """Where and with which key the bot reaches Gemini, and how hard it retries."""

    api_key: str
    base_url: str | None = None
    timeout_seconds: float = 60.0
    retry_attempts: int = 3
    retry_initial_delay: float = 0.5

    @classmethod
    def from_environment(cls) -> GeminiConfig | None:
        """The configuration from ``GEMINI_API_KEY`` (and ``GEMINI_BASE_URL``), or None without a key."""
        key = Settings().gemini_api_key
        if key is None or not key.get_secret_value():
            return None
        return cls(api_key=key.get_secret_value(), base_url=os.environ.get(BASE_URL_VARIABLE) or None)


@dataclass(frozen=True)
class ToolSpec:
    """A function the model may call: its name, what it does, and the JSON schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class FunctionCall:
    """The model asking for one function call."""

    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolRound:
    """Calls the model asked for and what they answered, in order."""

    calls: tuple[FunctionCall, ...]
    results: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Question:
    """What to ask: the conversation so far (``(role, text)`` turns, the question last), the tools offered
    and the tool calls already answered, and how to answer."""

    model: str
    system_prompt: str
    turns: tuple[tuple[str, str], ...]
    temperature: float
    max_output_tokens: int
    images: tuple[tuple[bytes, str], ...] = ()
    safety_threshold: str | None = None
    tools: tuple[ToolSpec, ...] = ()
    tool_rounds: tuple[ToolRound, ...] = ()


@dataclass(frozen=True)
class Delta:
    """A piece of the answer as it streams in (text, or function calls the model asks for), with the
    exchange's token count so far (when known)."""

    text: str
    total_tokens: int | None = None
    calls: tuple[FunctionCall, ...] = ()


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[GeminiConfig, genai.Client]] = (
    weakref.WeakKeyDictionary()
)


def client_for(config: GeminiConfig) -> genai.Client:
    """One google-genai client per configuration and event loop, reused across questions."""
    clients = _clients.setdefault(asyncio.get_running_loop(), {})
    if config not in clients:
        clients[config] = _new_client(config)
    return clients[config]


def _new_client(config: GeminiConfig) -> genai.Client:
    from google import genai
    from google.genai import types

    options = types.HttpOptions(
        base_url=config.base_url,
        timeout=int(config.timeout_seconds * 1000),
        retry_options=types.HttpRetryOptions(
            attempts=config.retry_attempts,
            initial_delay=config.retry_initial_delay,
            max_delay=8.0,
            jitter=config.retry_initial_delay,
        ),
    )
    return genai.Client(api_key=config.api_key, http_options=options)


def _contents(question: Question) -> list[types.Content]:
    from google.genai import types

    contents = [
        types.Content(role=role, parts=[types.Part.from_text(text=text)]) for role, text in question.turns
    ]
    if question.images and contents:
        contents[-1].parts = [
            *(types.Part.from_bytes(data=data, mime_type=mime) for data, mime in question.images),
            *(contents[-1].parts or []),
        ]
    for round_ in question.tool_rounds:
        contents.append(
            types.Content(
                role="model",
                parts=[
                    types.Part(function_call=types.FunctionCall(name=call.name, args=call.arguments))
                    for call in round_.calls
                ],
            )
        )
        contents.append(
            types.Content(
                role="user",
                parts=[
                    types.Part.from_function_response(name=call.name, response=result)
                    for call, result in zip(round_.calls, round_.results, strict=True)
                ],
            )
        )
    return contents


SAFETY_CATEGORIES = (
    "HARM_CATEGORY_HARASSMENT",
    "HARM_CATEGORY_HATE_SPEECH",
    "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "HARM_CATEGORY_DANGEROUS_CONTENT",
)
"""The ``types.HarmCategory`` values a server's safety level applies to."""


def _safety(threshold: str | None) -> list[types.SafetySetting] | None:
    from google.genai import types

    if threshold is None:
        return None
    level = types.HarmBlockThreshold(threshold)
    return [
        types.SafetySetting(category=types.HarmCategory(category), threshold=level)
        for category in SAFETY_CATEGORIES
    ]


def _tools(question: Question) -> list[types.Tool] | None:
    from google.genai import types

    if not question.tools:
        return None
    declarations = [
        types.FunctionDeclaration(
            name=tool.name, description=tool.description, parameters_json_schema=tool.parameters
        )
        for tool in question.tools
    ]
    return [types.Tool(function_declarations=declarations)]


def _config(question: Question) -> types.GenerateContentConfig:
    from google.genai import types

    return types.GenerateContentConfig(
        system_instruction=question.system_prompt or None,
        safety_settings=_safety(question.safety_threshold),
        temperature=question.temperature,
        max_output_tokens=question.max_output_tokens,
        tools=_tools(question),
        # The calls are ours to run, with the asking member's rights: never google-genai's automatic calling.
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True)
        if question.tools
        else None,
    )


def _model_error(error: errors.APIError) -> ModelError:
    if error.code == 429:
        return ModelError("rate_limited", str(error.message))
    if error.code in (408, 504):
        return ModelError("timeout", str(error.message))
    if error.code >= 500:
        return ModelError("unavailable", str(error.message))
    return ModelError("refused", str(error.message))


async def stream_answer(config: GeminiConfig, question: Question) -> AsyncIterator[Delta]:
    """The answer to ``question`` as it streams in; raises ModelError when there is none to give."""
    import httpx
    from google.genai import errors

    client = client_for(config)
    got_text = False
    try:
        async with asyncio.timeout(config.timeout_seconds):
            chunks = await client.aio.models.generate_content_stream(
                model=question.model, contents=_contents(question), config=_config(question)
            )
            async for chunk in chunks:
                feedback = chunk.prompt_feedback
                if feedback is not None and feedback.block_reason is not None:
                    usage = chunk.usage_metadata
                    if usage is not None and usage.total_token_count is not None:
                        yield Delta("", usage.total_token_count)  # a blocked prompt's tokens are spent too
                    raise ModelError("blocked", str(feedback.block_reason))
                candidate = chunk.candidates[0] if chunk.candidates else None
                reason = candidate.finish_reason if candidate is not None else None
                parts = candidate.content.parts or [] if candidate and candidate.content else []
                text = "".join(part.text for part in parts if part.text and not part.thought)
                calls = tuple(
                    FunctionCall(part.function_call.name or "", dict(part.function_call.args or {}))
                    for part in parts
                    if part.function_call is not None
                )
                usage = chunk.usage_metadata
                total = usage.total_token_count if usage is not None else None
                if text or calls or total is not None:
                    got_text = got_text or bool(text) or bool(calls)
                    yield Delta(text, total, calls)
                if reason is not None and reason.name in BLOCKED_FINISH_REASONS and not got_text:
                    raise ModelError("blocked", reason.name)
    except errors.APIError as error:
        raise _model_error(error) from error
    except (TimeoutError, httpx.TimeoutException) as error:
        raise ModelError("timeout") from error
    except (httpx.HTTPError, aiohttp.ClientError, OSError) as error:
        raise ModelError("unavailable", repr(error)) from error
    if not got_text:
        raise ModelError("empty")
