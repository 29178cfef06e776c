"""AI benchmark: the AI plugin's own time per answer, the model's time excluded.

One process runs the local Discord sandbox, the local Gemini server (``tatiana.testing.FakeGemini``, answering
at once in two streamed chunks) and the real Tatiana bot with the AI plugin and a baseline plugin, on a SQLite
database. Each round, one at a time, alternating:

- ``/ask``: the AI plugin's whole path: refusal checks (prompt, cooldown, today's token budgets from the
  database), the tools on offer, the google-genai client's request, the streamed answer shown by deferring and
  two edits, the exchange recorded in ``ai_conversations``;
- ``/baseline``: a command doing the same Discord calls with no model (defer, then the same two edits).

Both are timed from the member's INTERACTION_CREATE to the second edit of the answer. The local Gemini server
times each request it serves (the model's time, here near zero: it answers at once); the plugin's overhead
per answer is ``ask - baseline - model``, medians over N answers. Goal: under 20 ms.

Usage: ``uv run python bench/ai.py [--answers N]`` (prints a Markdown table).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import statistics
import tempfile
import time
from pathlib import Path

import hikari
import lightbulb
from aiohttp import web

from tatiana import Plugin
from tatiana.bot.app import TatianaBot
from tatiana.testing import Sandbox, SandboxUser, sandbox_bot, seed_demo
from tatiana.testing.gemini import FakeGemini

ANSWER = ("Pong, ", "and pong again.")

loader = lightbulb.Loader()


@loader.command
class Baseline(lightbulb.SlashCommand, name="baseline", description="Defer, then edit twice"):
    """What ``/ask`` does on Discord, without a model."""

    prompt = lightbulb.string("prompt", "Ignored")

    @lightbulb.invoke
    async def invoke(self, ctx: lightbulb.Context) -> None:
        """Defer, show the first chunk, then the whole answer."""
        await ctx.defer()
        await ctx.interaction.edit_initial_response(ANSWER[0], mentions_everyone=False, user_mentions=False)
        await ctx.interaction.edit_initial_response(
            "".join(ANSWER), mentions_everyone=False, user_mentions=False
        )


baseline_plugin = Plugin(
    name="baseline", version="1.0.0", description="The benchmark's baseline", requires="1.*", loaders=[loader]
)


@dataclasses.dataclass
class TimedGemini(FakeGemini):
    """The local Gemini server, timing each request it serves."""

    served: list[float] = dataclasses.field(default_factory=list)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            return await super()._handle(request)
        finally:
            self.served.append(time.perf_counter() - started)


async def timed(member: SandboxUser, command: str) -> float:
    """Seconds from sending ``/command`` to the answer's second edit."""
    started = time.perf_counter()
    reply = await member.slash(command, prompt="ping?")
    interaction = reply.interaction
    done = await interaction.wait_for(lambda: interaction.events.count("edit_original") >= 2, 10)
    elapsed = time.perf_counter() - started
    if not done or reply.content != "".join(ANSWER):
        raise RuntimeError(f"/{command} answered {reply.content!r}")
    return elapsed


async def run(answers: int) -> dict[str, float]:
    """Median seconds of each measure over ``answers`` answers."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        sandbox = Sandbox()
        guild = seed_demo(sandbox.world)
        async with sandbox, TimedGemini() as gemini:
            os.environ.update(GEMINI_API_KEY="bench", GEMINI_BASE_URL=gemini.base_url)
            async with sandbox_bot(sandbox, url, plugins=["ai", baseline_plugin]) as bot:
                await unlimited(bot, guild.id)
                marta = next(
                    m for m in guild.members.values() if sandbox.world.users[m.user_id].username == "marta"
                )
                member = SandboxUser(sandbox, guild, marta, timeout=10)
                ask, base = [], []
                for _ in range(5):  # warm-up: clients, caches, prepared statements
                    gemini.reply("".join(ANSWER), chunks=list(ANSWER))
                    await timed(member, "ask")
                    await timed(member, "baseline")
                gemini.served.clear()
                for _ in range(answers):
                    gemini.reply("".join(ANSWER), chunks=list(ANSWER))
                    ask.append(await timed(member, "ask"))
                    base.append(await timed(member, "baseline"))
    model = statistics.median(gemini.served)
    return {
        "ask": statistics.median(ask),
        "ask_p99": sorted(ask)[int(len(ask) * 0.99) - 1],
        "baseline": statistics.median(base),
        "model": model,
        "overhead": statistics.median(a - b for a, b in zip(ask, base, strict=True)) - model,
    }


async def unlimited(bot: TatianaBot, guild_id: int) -> None:
    """No cooldown and a budget no run spends, so that no answer is refused."""
    await bot.service.update_settings(
        guild_id,
        "ai",
        {
            "cooldown_seconds": 0,
            "guild_daily_token_budget": 100_000_000,
            "member_daily_token_budget": 100_000_000,
        },
    )


def main() -> None:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=200, help="answers per measure (default 200)")
    args = parser.parse_args()
    numbers = asyncio.run(run(args.answers))
    ms = {key: value * 1000 for key, value in numbers.items()}
    print(f"AI plugin overhead per answer, medians of {args.answers} answers, hikari {hikari.__version__}\n")
    print("| measure | ms |")
    print("| --- | ---: |")
    print(f"| /ask, INTERACTION_CREATE to the answer's last edit | {ms['ask']:.2f} |")
    print(f"| /ask p99 | {ms['ask_p99']:.2f} |")
    print(f"| /baseline, the same Discord calls without a model | {ms['baseline']:.2f} |")
    print(f"| the local model's time per request | {ms['model']:.2f} |")
    print(
        f"| **AI plugin overhead per answer** (ask - baseline - model; goal < 20) | **{ms['overhead']:.2f}** |"
    )


if __name__ == "__main__":
    main()
