"""The AI plugin's slash commands."""

from __future__ import annotations

import hikari
import lightbulb

from tatiana import Database, GuildTools, Translator
from tatiana_ai import memory
from tatiana_ai.answering import Asker, answer, question_for, refusal
from tatiana_ai.gemini import GeminiConfig
from tatiana_ai.images import UnreadableImage, is_image, read_image
from tatiana_ai.listener import answer_message
from tatiana_ai.settings import PROMPT_MAX_LENGTH, AISettings
from tatiana_ai.state import AIState, StateLoadable
from tatiana_ai.streaming import NO_PINGS, ChannelSurface, InteractionSurface, StreamingReply
from tatiana_ai.tools import Toolbox

loader = lightbulb.Loader()
"""Everything the plugin adds to a bot's lightbulb client."""

loader.add(StateLoadable())
loader.listener(hikari.GuildMessageCreateEvent)(answer_message)


async def toolbox_for(ctx: lightbulb.Context, tools: GuildTools, db: Database) -> Toolbox:
    """The tools the member running the command may have the model call, with their channel permissions."""
    return await Toolbox.for_member(
        tools,
        guild_id=int(ctx.guild_id or 0),
        channel_id=int(ctx.channel_id),
        user_id=int(ctx.user.id),
        permissions=ctx.member.permissions if ctx.member is not None else hikari.Permissions.NONE,
        database=db,
        rest=ctx.client.rest,
    )


async def allowed(
    ctx: lightbulb.Context, t: Translator, db: Database, state: AIState, *, settings: AISettings, prompt: str
) -> GeminiConfig | None:
    """The model's configuration if the member may ask ``prompt`` now; otherwise None, the refusal told privately."""
    config = GeminiConfig.from_environment()
    reason = await refusal(
        t, db, settings=settings, config=config, cooldowns=state.cooldowns, asker=asker_of(ctx), prompt=prompt
    )
    if reason is not None or config is None:
        await ctx.respond(reason, ephemeral=True, user_mentions=False)
        return None
    return config


def asker_of(ctx: lightbulb.Context) -> Asker:
    """Who runs the command, and in which guild."""
    guild_id = int(ctx.guild_id or 0)
    guild = ctx.interaction.get_guild()
    return Asker(
        guild_id=guild_id,
        guild_name=guild.name if guild else str(guild_id),
        user_id=int(ctx.user.id),
        username=ctx.user.username,
    )


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
    image = lightbulb.attachment("ai.ask.image.name", "ai.ask.image.description", localize=True, default=None)

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        *,
        t: Translator = lightbulb.di.INJECTED,
        db: Database = lightbulb.di.INJECTED,
        state: AIState = lightbulb.di.INJECTED,
        tools: GuildTools = lightbulb.di.INJECTED,
        settings: AISettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Answer in the channel, streaming; a refusal is told privately to the member."""
        settings = settings or AISettings()
        prompt = self.prompt.strip()
        asker = asker_of(ctx)
        config = await allowed(ctx, t, db, state, settings=settings, prompt=prompt)
        if config is None:
            return
        if self.image is not None and not is_image(self.image):
            await ctx.respond(t("ai.ask.bad_image"), ephemeral=True)
            return
        state.cooldowns.start(asker.guild_id, asker.user_id, settings.cooldown_seconds)
        await ctx.defer()
        images: tuple[tuple[bytes, str], ...] = ()
        if self.image is not None:
            try:
                images = (await read_image(self.image),)
            except UnreadableImage:
                await ctx.interaction.edit_initial_response(t("ai.ask.bad_image"), **NO_PINGS)
                return
        surface = InteractionSurface(ctx.interaction)
        reply = StreamingReply(surface)
        await answer(
            t,
            db,
            config=config,
            question=question_for(settings, prompt, images=images),
            reply=reply,
            asker=asker,
            message_id=lambda: surface.first_message_id,
            toolbox=await toolbox_for(ctx, tools, db),
        )


THREAD_NAME_LIMIT = 100
THREAD_TYPES = (hikari.ChannelType.GUILD_PUBLIC_THREAD, hikari.ChannelType.GUILD_PRIVATE_THREAD)


def thread_name(topic: str) -> str:
    """A thread name from the topic: its first line, cut at Discord's 100 characters."""
    line = topic.splitlines()[0].strip() if topic.strip() else "…"
    return line if len(line) <= THREAD_NAME_LIMIT else line[: THREAD_NAME_LIMIT - 1] + "…"


@loader.command
class Chat(
    lightbulb.SlashCommand,
    name="ai.chat.name",
    description="ai.chat.description",
    localize=True,
    contexts=[hikari.ApplicationContextType.GUILD],
):
    """``/chat topic``: start a thread where the assistant answers every message, beginning with the topic."""

    topic = lightbulb.string(
        "ai.chat.topic.name",
        "ai.chat.topic.description",
        localize=True,
        min_length=1,
        max_length=PROMPT_MAX_LENGTH,
    )

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        *,
        t: Translator = lightbulb.di.INJECTED,
        db: Database = lightbulb.di.INJECTED,
        state: AIState = lightbulb.di.INJECTED,
        tools: GuildTools = lightbulb.di.INJECTED,
        settings: AISettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Refuse as ``/ask`` does; otherwise open the thread, say where, and answer the topic in it."""
        settings = settings or AISettings()
        prompt = self.topic.strip()
        asker = asker_of(ctx)
        config = await allowed(ctx, t, db, state, settings=settings, prompt=prompt)
        if config is None:
            return
        channel = ctx.interaction.channel
        if channel.type in THREAD_TYPES:
            await ctx.respond(t("ai.chat.in_thread"), ephemeral=True)
            return
        state.cooldowns.start(asker.guild_id, asker.user_id, settings.cooldown_seconds)
        await ctx.defer(ephemeral=True)
        try:
            thread = await ctx.client.rest.create_thread(
                ctx.channel_id, hikari.ChannelType.GUILD_PUBLIC_THREAD, thread_name(prompt)
            )
        except hikari.ForbiddenError:
            await ctx.respond(t("ai.chat.forbidden"), ephemeral=True)
            return
        await state.threads.add(
            db,
            guild_id=asker.guild_id,
            thread_id=int(thread.id),
            parent_id=int(ctx.channel_id),
            started_by=asker.user_id,
        )
        await ctx.respond(t("ai.chat.started", thread=f"<#{thread.id}>"), ephemeral=True)
        surface = ChannelSurface(ctx.client.rest, int(thread.id))
        await answer(
            t,
            db,
            config=config,
            question=question_for(
                settings, f"{ctx.member.display_name if ctx.member else ctx.user.username}: {prompt}"
            ),
            reply=StreamingReply(surface),
            asker=asker,
            message_id=lambda: surface.first_message_id,
            conversation_id=int(thread.id),
            toolbox=await toolbox_for(ctx, tools, db),
        )


ai_group = lightbulb.Group(
    "ai.group.name",
    "ai.group.description",
    localize=True,
    contexts=[hikari.ApplicationContextType.GUILD],
)
"""``/ai``: the assistant's conversation in this channel."""


@ai_group.register
class Reset(lightbulb.SlashCommand, name="ai.reset.name", description="ai.reset.description", localize=True):
    """``/ai reset``: the bot forgets this channel's conversation."""

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        t: Translator = lightbulb.di.INJECTED,
        db: Database = lightbulb.di.INJECTED,
    ) -> None:
        """Forget the channel's (or thread's) conversation and say so."""
        forgotten = await memory.forget(db, int(ctx.channel_id))
        await ctx.respond(t("ai.reset.done" if forgotten else "ai.reset.nothing"), ephemeral=True)


loader.command(ai_group)
