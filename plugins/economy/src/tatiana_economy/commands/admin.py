"""``/economy give|take|reset|item-add|item-remove``: the guild's managers adjust wallets and the shop."""

from __future__ import annotations

import hikari
import lightbulb

from tatiana import Database, Translator
from tatiana_economy.commands.common import guild_profile, loader, member_of_guild, refusal, with_wallets
from tatiana_economy.commands.shop import item_names
from tatiana_economy.errors import EconomyError, InsufficientFunds
from tatiana_economy.ledger import Adjustment, Ledger
from tatiana_economy.settings import EconomySettings
from tatiana_economy.shop import DESCRIPTION_LENGTH, NAME_LENGTH, Shop

economy = lightbulb.Group(
    "economy.admin.name",
    "economy.admin.description",
    localize=True,
    contexts=[hikari.ApplicationContextType.GUILD],
    default_member_permissions=hikari.Permissions.MANAGE_GUILD,
)
loader.command(economy)

REASON_LENGTH = 200


def target_refusal(ctx: lightbulb.Context, t: Translator, member: hikari.User) -> str | None:
    """Why a wallet of ``member`` cannot be adjusted: a bot, or not in this server (None: it can)."""
    if member.is_bot:
        return t("economy.admin.bot", member=member.mention)
    if not member_of_guild(ctx, member):
        return t("economy.admin.not_member", member=member.mention)
    return None


async def adjust(
    ctx: lightbulb.Context,
    member: hikari.User,
    kind: str,
    amount: int = 0,
    *,
    db: Database,
    t: Translator,
    settings: EconomySettings | None,
) -> None:
    """Give, take or reset ``member``'s wallet for the admin running ``ctx`` and answer them privately."""
    settings = settings or EconomySettings()
    refused = target_refusal(ctx, t, member)
    if refused is not None:
        await ctx.respond(refused, ephemeral=True, user_mentions=False)
        return
    assert ctx.guild_id is not None
    ledger, guild_id, user_id = Ledger(db), int(ctx.guild_id), int(member.id)
    admin_id, key = int(ctx.user.id), int(ctx.interaction.id)

    async def run() -> Adjustment:
        if kind == "give":
            return await ledger.give(guild_id, user_id, amount, admin_id=admin_id, key=key)
        if kind == "take":
            return await ledger.take(guild_id, user_id, amount, admin_id=admin_id, key=key)
        return await ledger.reset(guild_id, user_id, admin_id=admin_id, key=key)

    try:
        done = await with_wallets(ledger, guild_profile(ctx.interaction), [member], settings, run)
    except InsufficientFunds as error:
        text = t(
            "economy.admin.take_too_much",
            member=member.mention,
            balance=settings.amount(error.balance),
            amount=settings.amount(error.needed),
        )
        await ctx.respond(text, ephemeral=True, user_mentions=False)
        return
    except EconomyError as error:
        await ctx.respond(refusal(t, settings, error), ephemeral=True, user_mentions=False)
        return
    moved = abs(done.entry.amount) if done.entry is not None else 0
    text = t(
        f"economy.admin.{kind}.done",
        member=member.mention,
        amount=settings.amount(moved),
        balance=settings.amount(done.balance),
    )
    await ctx.respond(text, ephemeral=True, user_mentions=False)


@economy.register
class Give(
    lightbulb.SlashCommand,
    name="economy.admin.give.name",
    description="economy.admin.give.description",
    localize=True,
):
    """``/economy give member amount``: add money to a member's wallet."""

    member = lightbulb.user("economy.admin.member.name", "economy.admin.member.description", localize=True)
    amount = lightbulb.integer("economy.admin.amount.name", "economy.admin.amount.description", localize=True)

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        db: Database = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
        settings: EconomySettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Credit the wallet, with a ledger row naming the admin."""
        await adjust(ctx, self.member, "give", self.amount, db=db, t=t, settings=settings)


@economy.register
class Take(
    lightbulb.SlashCommand,
    name="economy.admin.take.name",
    description="economy.admin.take.description",
    localize=True,
):
    """``/economy take member amount``: remove money from a member's wallet."""

    member = lightbulb.user("economy.admin.member.name", "economy.admin.member.description", localize=True)
    amount = lightbulb.integer("economy.admin.amount.name", "economy.admin.amount.description", localize=True)

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        db: Database = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
        settings: EconomySettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Debit the wallet; refused when it holds less than the amount."""
        await adjust(ctx, self.member, "take", self.amount, db=db, t=t, settings=settings)


@economy.register
class Reset(
    lightbulb.SlashCommand,
    name="economy.admin.reset.name",
    description="economy.admin.reset.description",
    localize=True,
):
    """``/economy reset member``: empty a member's wallet and end their daily streak."""

    member = lightbulb.user("economy.admin.member.name", "economy.admin.member.description", localize=True)

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        db: Database = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
        settings: EconomySettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Bring the balance to zero through a ledger row; the inventory stays."""
        await adjust(ctx, self.member, "reset", db=db, t=t, settings=settings)


@economy.register
class ItemAdd(
    lightbulb.SlashCommand,
    name="economy.admin.item_add.name",
    description="economy.admin.item_add.description",
    localize=True,
):
    """``/economy item-add name price [role] [stock] [description]``: put an item on sale."""

    item = lightbulb.string(
        "economy.admin.item_add.item.name",
        "economy.admin.item_add.item.description",
        localize=True,
        min_length=1,
        max_length=NAME_LENGTH,
    )
    price = lightbulb.integer(
        "economy.admin.item_add.price.name", "economy.admin.item_add.price.description", localize=True
    )
    role = lightbulb.role(
        "economy.admin.item_add.role.name",
        "economy.admin.item_add.role.description",
        localize=True,
        default=None,
    )
    stock = lightbulb.integer(
        "economy.admin.item_add.stock.name",
        "economy.admin.item_add.stock.description",
        localize=True,
        default=None,
    )
    about = lightbulb.string(
        "economy.admin.item_add.about.name",
        "economy.admin.item_add.about.description",
        localize=True,
        max_length=DESCRIPTION_LENGTH,
        default=None,
    )

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        db: Database = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
        settings: EconomySettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Check the role and the stock, then add the item."""
        settings = settings or EconomySettings()
        assert ctx.guild_id is not None
        role = self.role
        refused = None
        if not self.item.strip():
            refused = t("economy.admin.item_add.no_name")
        elif role is not None and (role.id == ctx.guild_id or role.is_managed):
            refused = t("economy.admin.item_add.bad_role", role=role.mention)
        elif self.stock is not None and self.stock < 0:
            refused = t("economy.admin.item_add.bad_stock")
        if refused is not None:
            await ctx.respond(refused, ephemeral=True, role_mentions=False)
            return
        try:
            item = await Shop(db).add(
                guild_profile(ctx.interaction),
                self.item,
                self.price,
                description=self.about.strip() if self.about else None,
                role_id=int(role.id) if role is not None else None,
                stock=self.stock,
            )
        except EconomyError as error:
            await ctx.respond(refusal(t, settings, error), ephemeral=True)
            return
        await ctx.respond(
            t("economy.admin.item_add.done", item=item.name, price=settings.amount(item.price)),
            ephemeral=True,
        )


@economy.register
class ItemRemove(
    lightbulb.SlashCommand,
    name="economy.admin.item_remove.name",
    description="economy.admin.item_remove.description",
    localize=True,
):
    """``/economy item-remove item``: take an item off sale."""

    item = lightbulb.string(
        "economy.admin.item_remove.item.name",
        "economy.admin.item_remove.item.description",
        localize=True,
        max_length=NAME_LENGTH,
        autocomplete=item_names,
    )

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        db: Database = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
        settings: EconomySettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Remove the item; members who bought it lose it from their inventory, roles stay."""
        settings = settings or EconomySettings()
        assert ctx.guild_id is not None
        try:
            item = await Shop(db).remove(int(ctx.guild_id), self.item)
        except EconomyError as error:
            await ctx.respond(refusal(t, settings, error), ephemeral=True)
            return
        await ctx.respond(t("economy.admin.item_remove.done", item=item.name), ephemeral=True)
