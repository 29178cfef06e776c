"""The Gemini client against the local Gemini server, over a real socket: answers, usage and failures."""

from __future__ import annotations

import pytest
from tatiana_ai.gemini import Delta, GeminiConfig, ModelError, Question, stream_answer

from tatiana.testing.gemini import FakeGemini


def question(text: str = "Capital of France?") -> Question:
    return Question(
        model="gemini-2.5-flash",
        system_prompt="You are terse.",
        turns=(("user", text),),
        temperature=0.2,
        max_output_tokens=128,
    )


def config_for(gemini: FakeGemini, attempts: int = 1) -> GeminiConfig:
    return GeminiConfig(
        api_key="test-key", base_url=gemini.base_url, retry_attempts=attempts, retry_initial_delay=0.01
    )


async def collect(config: GeminiConfig, asked: Question) -> list[Delta]:
    return [delta async for delta in stream_answer(config, asked)]


async def test_a_streamed_answer_arrives_in_chunks_with_usage(gemini: FakeGemini) -> None:
    gemini.reply("Paris is the capital.", chunks=["Paris ", "is the ", "capital."], prompt_tokens=7)
    deltas = await collect(config_for(gemini), question())
    assert [d.text for d in deltas] == ["Paris ", "is the ", "capital."]
    assert deltas[-1].total_tokens == 7 + len("Paris is the capital.") // 4
    [sent] = gemini.requests
    assert (sent.model, sent.stream, sent.api_key) == ("gemini-2.5-flash", True, "test-key")
    assert sent.system_instruction == "You are terse."
    assert sent.user_text == "Capital of France?"
    assert sent.generation_config == {"temperature": 0.2, "maxOutputTokens": 128}
    assert "safetySettings" not in sent.body, "the model's own safety defaults unless the guild chose"


async def test_without_a_script_the_server_echoes(gemini: FakeGemini) -> None:
    deltas = await collect(config_for(gemini), question("hola"))
    assert "".join(d.text for d in deltas) == "Echo: hola"


@pytest.mark.parametrize(
    ("status", "kind"), [(429, "rate_limited"), (500, "unavailable"), (503, "unavailable"), (400, "refused")]
)
async def test_http_errors_become_model_errors(gemini: FakeGemini, status: int, kind: str) -> None:
    gemini.fail(status)
    with pytest.raises(ModelError) as caught:
        await collect(config_for(gemini), question())
    assert caught.value.kind == kind


async def test_a_transient_error_is_retried_a_bounded_number_of_times(gemini: FakeGemini) -> None:
    gemini.fail(503)
    gemini.reply("Back.")
    deltas = await collect(config_for(gemini, attempts=3), question())
    assert "".join(d.text for d in deltas) == "Back."
    assert len(gemini.requests) == 2
    for _ in range(3):
        gemini.fail(503)
    with pytest.raises(ModelError, match="unavailable"):
        await collect(config_for(gemini, attempts=3), question())
    assert len(gemini.requests) == 5, "three attempts, then it gives up"


async def test_an_empty_answer_is_an_error(gemini: FakeGemini) -> None:
    gemini.reply("")
    with pytest.raises(ModelError, match="empty"):
        await collect(config_for(gemini), question())


def test_without_a_key_there_is_no_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.chdir("/")
    assert GeminiConfig.from_environment() is None
    monkeypatch.setenv("GEMINI_API_KEY", "k")
    monkeypatch.setenv("GEMINI_BASE_URL", "http://127.0.0.1:1/")
    assert GeminiConfig.from_environment() == GeminiConfig(api_key="k", base_url="http://127.0.0.1:1/")
