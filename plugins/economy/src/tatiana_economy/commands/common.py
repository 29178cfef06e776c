"""What the economy's commands share: the loader, cooldowns, wallet opening and refusal sentences."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import TypeVar

import hikari
import lightbulb
from lightbulb.prefab import OnCooldown, fixed_window

from tatiana import Translator
from tatiana_economy.errors import (
    AlreadyOwned,
    DailyNotReady,
    DuplicateItem,
    EconomyError,
    InsufficientFunds,
    InvalidAmount,
    ItemNotFound,
    OutOfStock,
    RoleItemQuantity,
    SelfPayment,
    ShopFull,
    WalletNotOpen,
)
from tatiana_economy.formatting import duration
from tatiana_economy.ledger import Ledger
from tatiana_economy.settings import EconomySettings
from tatiana_economy.wallets import GuildProfile, UserProfile

T = TypeVar("T")

loader = lightbulb.Loader()
"""Every command, view and error handler of the economy plugin."""


def _member_bucket(ctx: lightbulb.Context) -> int:
    return hash((ctx.guild_id, ctx.user.id))


def member_cooldown(uses: int, seconds: float) -> lightbulb.ExecutionHook:
    """At most ``uses`` runs of a command per member and guild every ``seconds``."""
    return fixed_window(seconds, uses, _member_bucket)


@loader.error_handler
async def answer_cooldown(
    failure: lightbulb.exceptions.ExecutionPipelineFailedException, t: Translator = lightbulb.di.INJECTED
) -> bool:
    """Tell a member who runs an economy command too often how long to wait (other failures go on)."""
    if not type(failure.context.command).__module__.startswith("tatiana_economy."):
        return False
    cooldown = next((c for c in failure.causes if isinstance(c, OnCooldown)), None)
    if cooldown is None:
        return False
    await failure.context.respond(t("economy.cooldown", wait=duration(cooldown.remaining)), ephemeral=True)
    return True


def guild_profile(interaction: hikari.CommandInteraction) -> GuildProfile:
    """The guild of a command, as the core's ``guilds`` table records it (the name from the cache)."""
    assert interaction.guild_id is not None, "economy commands run in guilds only"
    guild = interaction.get_guild()
    if guild is None:
        return GuildProfile(int(interaction.guild_id), str(interaction.guild_id))
    return GuildProfile(int(guild.id), guild.name, int(guild.owner_id))


def user_profile(user: hikari.User) -> UserProfile:
    """A member as the core's ``users`` table records them."""
    return UserProfile(int(user.id), user.username, user.global_name)


async def with_wallets(
    ledger: Ledger,
    guild: GuildProfile,
    people: Iterable[hikari.User],
    settings: EconomySettings,
    operation: Callable[[], Awaitable[T]],
) -> T:
    """Run ``operation``; if a member had no wallet, open the wallets of ``people`` and run it again."""
    try:
        return await operation()
    except WalletNotOpen:
        profiles = [user_profile(user) for user in people]
        await ledger.open(guild, profiles, starting_balance=settings.starting_balance)
        return await operation()


def refusal(t: Translator, settings: EconomySettings, error: EconomyError) -> str:
    """The sentence telling a member why the economy refused (the generic wording of each refusal)."""
    match error:
        case InsufficientFunds(balance=balance, needed=needed):
            return t(
                "economy.errors.insufficient",
                balance=settings.amount(balance),
                needed=settings.amount(needed),
            )
        case InvalidAmount(limit=limit):
            return t("economy.errors.amount", limit=f"{limit:,}".replace(",", "\u202f"))
        case SelfPayment():
            return t("economy.pay.self")
        case DailyNotReady(available_at=available_at):
            return t("economy.daily.wait", wait=duration(available_at - datetime.now(UTC)))
        case ItemNotFound(name=name):
            return t("economy.errors.no_item", item=name)
        case DuplicateItem(name=name):
            return t("economy.errors.duplicate_item", item=name)
        case ShopFull(limit=limit):
            return t("economy.errors.shop_full", limit=limit)
        case OutOfStock(name=name, left=0):
            return t("economy.errors.sold_out", item=name)
        case OutOfStock(name=name, left=left):
            return t("economy.errors.out_of_stock", item=name, left=left)
        case AlreadyOwned(name=name):
            return t("economy.errors.already_owned", item=name)
        case RoleItemQuantity(name=name):
            return t("economy.errors.role_item_quantity", item=name)
    return t("economy.errors.refused")


def member_of_guild(ctx: lightbulb.Context, user: hikari.User) -> bool:
    """Whether ``user``, given as a command option, is a member of the command's guild."""
    resolved = ctx.interaction.resolved
    return resolved is not None and user.id in resolved.members
