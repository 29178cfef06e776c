"""The AI plugin's slash commands."""

import hikari
import lightbulb

from tatiana import Translator
from tatiana_ai.settings import PROMPT_MAX_LENGTH, AISettings

loader = lightbulb.Loader()


def ask_reply(t: Translator, settings: AISettings, prompt: str) -> str:
    """What ``/ask`` answers: why the question is refused, or that no AI backend is configured yet."""
    prompt = prompt.strip()
    if not prompt:
        return t("ai.ask.empty")
    if len(prompt) > settings.max_prompt_chars:
        return t("ai.ask.too_long", length=len(prompt), limit=settings.max_prompt_chars)
    if settings.guild_daily_token_budget == 0:
        return t("ai.ask.disabled")
    return t("ai.ask.not_configured")


@loader.command
class Ask(
    lightbulb.SlashCommand,
    name="ai.ask.name",
    description="ai.ask.description",
    localize=True,
    contexts=[hikari.ApplicationContextType.GUILD],
):
    """``/ask prompt``: ask the server's AI assistant a question."""

    prompt = lightbulb.string(
        "ai.ask.prompt.name",
        "ai.ask.prompt.description",
        localize=True,
        min_length=1,
        max_length=PROMPT_MAX_LENGTH,
    )

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        t: Translator = lightbulb.di.INJECTED,
        settings: AISettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Answer the question privately; until an AI backend is wired in, say so instead of answering."""
        reply = ask_reply(t, settings or AISettings(), self.prompt)
        await ctx.respond(reply, ephemeral=True, user_mentions=False)
