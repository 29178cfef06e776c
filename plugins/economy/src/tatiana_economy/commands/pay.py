"""``/pay member amount``: pay another member, confirming with buttons above the guild's threshold."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import hikari
import lightbulb
import miru

from tatiana import Database, Translator
from tatiana_economy.commands.common import (
    guild_profile,
    loader,
    member_cooldown,
    member_of_guild,
    refusal,
    with_wallets,
)
from tatiana_economy.commands.views import ActionButton, MemberView
from tatiana_economy.errors import EconomyError, InsufficientFunds
from tatiana_economy.ledger import Ledger, Transfer, check_amount
from tatiana_economy.settings import EconomySettings
from tatiana_economy.wallets import GuildProfile

CONFIRM_TIMEOUT = 60.0
"""Seconds a payer has to confirm a payment."""


@dataclass(frozen=True)
class Outcome:
    """What a payment attempt says: in public when money moved, privately when it was refused or repeated."""

    text: str
    public: bool


@dataclass(frozen=True)
class Payment:
    """A payment asked for by ``/pay``, keyed by the command's interaction: however often run, it pays once."""

    ledger: Ledger
    t: Translator
    settings: EconomySettings
    guild: GuildProfile
    payer: hikari.User
    payee: hikari.User
    amount: int
    key: int

    async def run(self) -> Outcome:
        """Move the money (opening wallets as needed) and say what happened."""

        async def transfer() -> Transfer:
            return await self.ledger.transfer(
                self.guild.id, int(self.payer.id), int(self.payee.id), self.amount, key=self.key
            )

        try:
            done = await with_wallets(
                self.ledger, self.guild, [self.payer, self.payee], self.settings, transfer
            )
        except EconomyError as error:
            return Outcome(refusal(self.t, self.settings, error), public=False)
        if done.replayed:
            return Outcome(self.t("economy.pay.already_done"), public=False)
        text = self.t(
            "economy.pay.done",
            payer=self.payer.mention,
            payee=self.payee.mention,
            amount=self.settings.amount(done.amount),
        )
        return Outcome(text, public=True)


class PayConfirmation(MemberView):
    """Pay or cancel; unanswered, the payment lapses after ``CONFIRM_TIMEOUT`` seconds."""

    def __init__(self, payment: Payment, ctx: lightbulb.Context) -> None:
        super().__init__(payment.t, int(payment.payer.id), timeout=CONFIRM_TIMEOUT)
        self.payment = payment
        self.command = ctx
        self.response_id: hikari.Snowflakeish | None = None
        key = payment.key
        self.add_item(
            ActionButton(
                self.confirm,
                label=payment.t("economy.pay.confirm_button"),
                custom_id=f"economy:pay:confirm:{key}",
                style=hikari.ButtonStyle.SUCCESS,
            )
        )
        self.add_item(
            ActionButton(
                self.cancel,
                label=payment.t("economy.pay.cancel_button"),
                custom_id=f"economy:pay:cancel:{key}",
            )
        )

    async def confirm(self, context: miru.ViewContext) -> None:
        """Pay, then replace the question with the result; a payment made is also announced in public."""
        self.stop()
        outcome = await self.payment.run()
        if not outcome.public:
            await context.edit_response(outcome.text, components=[], user_mentions=False)
            return
        await context.edit_response(self.payment.t("economy.pay.confirmed"), components=[])
        await context.respond(outcome.text, user_mentions=[self.payment.payee.id])

    async def cancel(self, context: miru.ViewContext) -> None:
        """Drop the payment."""
        self.stop()
        await context.edit_response(self.payment.t("economy.pay.cancelled"), components=[])

    async def on_timeout(self) -> None:
        """Say the payment lapsed and take the buttons away."""
        if self.response_id is None:
            return
        # The member dismissed the message, or its token expired: nothing to take away.
        with contextlib.suppress(hikari.HikariError):
            await self.command.edit_response(
                self.response_id, self.payment.t("economy.pay.expired"), components=[]
            )


@loader.command
class Pay(
    lightbulb.SlashCommand,
    name="economy.pay.name",
    description="economy.pay.description",
    localize=True,
    contexts=[hikari.ApplicationContextType.GUILD],
    hooks=[member_cooldown(5, 30)],
):
    """``/pay member amount``: move money from your wallet to a member's."""

    member = lightbulb.user("economy.pay.member.name", "economy.pay.member.description", localize=True)
    amount = lightbulb.integer("economy.pay.amount.name", "economy.pay.amount.description", localize=True)

    @lightbulb.invoke
    async def invoke(
        self,
        ctx: lightbulb.Context,
        db: Database = lightbulb.di.INJECTED,
        components: miru.Client = lightbulb.di.INJECTED,
        t: Translator = lightbulb.di.INJECTED,
        settings: EconomySettings | None = lightbulb.di.INJECTED,
    ) -> None:
        """Refuse what cannot be paid; ask to confirm a large payment; otherwise pay at once."""
        settings = settings or EconomySettings()
        payment = Payment(
            ledger=Ledger(db),
            t=t,
            settings=settings,
            guild=guild_profile(ctx.interaction),
            payer=ctx.user,
            payee=self.member,
            amount=self.amount,
            key=int(ctx.interaction.id),
        )
        refused = await self.refusal(ctx, payment)
        if refused is not None:
            await ctx.respond(refused, ephemeral=True, user_mentions=False)
            return
        threshold = settings.pay_confirm_threshold
        if threshold and payment.amount >= threshold:
            view = PayConfirmation(payment, ctx)
            question = t(
                "economy.pay.confirm", amount=settings.amount(payment.amount), payee=payment.payee.mention
            )
            view.response_id = await ctx.respond(
                question, components=view, ephemeral=True, user_mentions=False
            )
            components.start_view(view)
            return
        outcome = await payment.run()
        mentions: list[hikari.Snowflake] | bool = [payment.payee.id] if outcome.public else False
        await ctx.respond(outcome.text, ephemeral=not outcome.public, user_mentions=mentions)

    @staticmethod
    async def refusal(ctx: lightbulb.Context, payment: Payment) -> str | None:
        """Why the payment cannot be made, checked before anything moves (None: it can be tried)."""
        t, settings = payment.t, payment.settings
        if await payment.ledger.applied(payment.key):
            return t("economy.pay.already_done")
        if payment.payee.id == payment.payer.id:
            return t("economy.pay.self")
        if payment.payee.is_bot:
            return t("economy.pay.bot", member=payment.payee.mention)
        if not member_of_guild(ctx, payment.payee):
            return t("economy.pay.not_member", member=payment.payee.mention)
        try:
            check_amount(payment.amount)
        except EconomyError as error:
            return refusal(t, settings, error)
        wallet = await payment.ledger.wallet(payment.guild.id, int(payment.payer.id))
        balance = wallet.balance if wallet is not None else settings.starting_balance
        if balance < payment.amount:
            return refusal(t, settings, InsufficientFunds(balance, payment.amount))
        return None
