"""``/shop``, ``/buy item [quantity]`` and ``/inventory [member]``: the guild's shop and what members own."""

from __future__ import annotations

import logging

import hikari
import lightbulb

from tatiana import Database, Translator
from tatiana_economy.commands.common import guild_profile, loader, member_cooldown, refusal, with_wallets
from tatiana_economy.errors import AlreadyOwned, EconomyError, ItemNotFound
from tatiana_economy.ledger import Ledger
from tatiana_economy.settings import EconomySettings
from tatiana_economy.shop import MAX_QUANTITY, NAME_LENGTH, Item, Purchase, Shop

log = logging.getLogger(__name__)


async def item_names(ctx: lightbulb.AutocompleteContext[str], db: Database = lightbulb.di.INJECTED) -> None:
    """Suggest the guild's items whose name contains what the member typed."""
    guild_id = ctx.interaction.guild_id
    if guild_id is None:
        await ctx.respond([])
        return
    await ctx.respond(await Shop(db).names(int(guild_id), str(ctx.focused.value or "")))


def item_line(t: Translator, settings: EconomySettings, item: Item) -> str:
    """One item of the shop: name, price, what is left, the role it grants and its description."""
    parts = [t("economy.shop.item", item=item.name, price=settings.amount(item.price))]
    if item.stock is not None:
        parts.append(
            t("economy.shop.sold_out") if item.stock == 0 else t("economy.shop.left", left=item.stock)
        )
    if item.role_id is not None:
        parts.append(t("economy.shop.grants", role=f"<@&{item.role_id}>"))
    line = " · ".join(parts)
    return f"{line}\n{item.description}" if item.description else line


@loader.command
class ShopCommand(
    lightbulb.SlashCommand,
    name="economy.shop.name",
    description="economy.shop.description",
    localize=True,
    contexts=[hikari.ApplicationContextType.GUILD],
    hooks=[member_cooldown(3, 15)],
):
    """``/shop``: what this server sells."""

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        db: Database = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
        settings: EconomySettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """List the items privately, cheapest first."""
        settings = settings or EconomySettings()
        assert ctx.guild_id is not None
        items = await Shop(db).items(int(ctx.guild_id))
        if not items:
            await ctx.respond(t("economy.shop.empty"), ephemeral=True)
            return
        embed = hikari.Embed(
            title=t("economy.shop.title"),
            description="\n\n".join(item_line(t, settings, item) for item in items),
        )
        embed.set_footer(t("economy.shop.footer"))
        await ctx.respond(embed=embed, ephemeral=True, role_mentions=False)


@loader.command
class Buy(
    lightbulb.SlashCommand,
    name="economy.buy.name",
    description="economy.buy.description",
    localize=True,
    contexts=[hikari.ApplicationContextType.GUILD],
    hooks=[member_cooldown(5, 30)],
):
    """``/buy item [quantity]``: buy from the shop with your wallet; an item may come with a role."""

    item = lightbulb.string(
        "economy.buy.item.name",
        "economy.buy.item.description",
        localize=True,
        max_length=NAME_LENGTH,
        autocomplete=item_names,
    )
    quantity = lightbulb.integer(
        "economy.buy.quantity.name", "economy.buy.quantity.description", localize=True, default=1
    )

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        db: Database = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
        settings: EconomySettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Charge the wallet, hand over the items and the role; refund when Discord refuses the role."""
        settings = settings or EconomySettings()
        assert ctx.guild_id is not None and ctx.member is not None
        guild_id, user_id, key = int(ctx.guild_id), int(ctx.user.id), int(ctx.interaction.id)
        shop, ledger = Shop(db), Ledger(db)
        if not 1 <= self.quantity <= MAX_QUANTITY:
            await ctx.respond(t("economy.buy.quantity_invalid", limit=MAX_QUANTITY), ephemeral=True)
            return
        item = await shop.find(guild_id, self.item)
        if item is None:
            await ctx.respond(refusal(t, settings, ItemNotFound(self.item.strip())), ephemeral=True)
            return
        if item.role_id is not None and item.role_id in ctx.member.role_ids:
            await ctx.respond(refusal(t, settings, AlreadyOwned(item.name)), ephemeral=True)
            return
        if item.role_id is not None:
            await ctx.defer(ephemeral=True)  # the role is a REST call of its own

        async def buy() -> Purchase:
            return await shop.buy(guild_id, user_id, item.name, self.quantity, key=key)

        try:
            purchase = await with_wallets(ledger, guild_profile(ctx.interaction), [ctx.user], settings, buy)
        except EconomyError as error:
            await ctx.respond(refusal(t, settings, error), ephemeral=True)
            return
        lines = [
            t(
                "economy.buy.done",
                quantity=purchase.quantity,
                item=purchase.item.name,
                total=settings.amount(purchase.total),
                balance=settings.amount(purchase.entry.balance_after),
            )
        ]
        role_id = purchase.item.role_id
        if role_id is not None and not purchase.replayed:
            try:
                await ctx.client.rest.add_role_to_member(
                    guild_id, user_id, role_id, reason=t("economy.buy.role_reason", item=purchase.item.name)
                )
            except (hikari.ForbiddenError, hikari.NotFoundError) as exc:
                log.info("could not give role %s to %s in %s: %s", role_id, user_id, guild_id, exc)
                await shop.refund(guild_id, user_id, purchase, key=key)
                await ctx.respond(
                    t(
                        "economy.buy.role_failed",
                        role=f"<@&{role_id}>",
                        total=settings.amount(purchase.total),
                    ),
                    ephemeral=True,
                    role_mentions=False,
                )
                return
        if role_id is not None:
            lines.append(t("economy.buy.role_granted", role=f"<@&{role_id}>"))
        await ctx.respond("\n".join(lines), ephemeral=True, role_mentions=False)


@loader.command
class Inventory(
    lightbulb.SlashCommand,
    name="economy.inventory.name",
    description="economy.inventory.description",
    localize=True,
    contexts=[hikari.ApplicationContextType.GUILD],
    hooks=[member_cooldown(5, 10)],
):
    """``/inventory [member]``: what a member bought in this server's shop."""

    member = lightbulb.user(
        "economy.inventory.member.name", "economy.inventory.member.description", localize=True, default=None
    )

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        db: Database = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
    ) -> None:
        """List the member's items privately (yours when no member is given)."""
        assert ctx.guild_id is not None
        member = self.member or ctx.user
        own = member.id == ctx.user.id
        if member.is_bot:
            await ctx.respond(
                t("economy.inventory.bot", member=member.mention), ephemeral=True, user_mentions=False
            )
            return
        holdings = await Shop(db).inventory(int(ctx.guild_id), int(member.id))
        if not holdings:
            empty = (
                t("economy.inventory.empty_own")
                if own
                else t("economy.inventory.empty", member=member.mention)
            )
            await ctx.respond(empty, ephemeral=True, user_mentions=False)
            return
        title = (
            t("economy.inventory.title_own")
            if own
            else t("economy.inventory.title", member=member.display_name)
        )
        lines = [t("economy.inventory.line", quantity=h.quantity, item=h.item.name) for h in holdings]
        await ctx.respond(embed=hikari.Embed(title=title, description="\n".join(lines)), ephemeral=True)
