"""The economy's commands run by members of the demo guild, through the real hikari client, on the sandbox."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from tatiana_economy.commands import pay
from tatiana_economy.ledger import Ledger
from tatiana_economy.wallets import GuildProfile, UserProfile

from tatiana import Database
from tatiana.bot.app import TatianaBot
from tatiana.testing import Reply, Sandbox, SandboxUser
from tatiana.testing.sandbox.interactions import NoResponse, UnknownCommand
from tatiana.testing.sandbox.serialize import walk_components
from tatiana.testing.sandbox.world import Guild, Member, Role, User

COINS = "🪙"


@pytest.fixture
def tatiana_plugins() -> list[str]:
    return ["economy"]


def named(sandbox: Sandbox, guild: Guild, username: str) -> Member:
    return next(m for m in guild.members.values() if sandbox.world.users[m.user_id].username == username)


def acting(sandbox: Sandbox, guild: Guild, username: str) -> SandboxUser:
    return SandboxUser(sandbox, guild, named(sandbox, guild, username))


def coins(amount: int) -> str:
    return f"{COINS} {amount:,} coins".replace(",", "\u202f")


def button(reply: Reply, action: str) -> str:
    """The custom_id of the button of ``action`` (confirm, cancel, previous, next) on ``reply``."""
    return next(c for c in reply.custom_ids if c.split(":")[2] == action)


def disabled(reply: Reply) -> dict[str, bool]:
    buttons = [c for c in walk_components(reply.components) if "custom_id" in c]
    return {c["custom_id"].split(":")[2]: bool(c.get("disabled")) for c in buttons}


async def use_english(bot: TatianaBot, guild: Guild) -> None:
    """Make English the guild's language, as the dashboard would."""
    async with bot.sessions.begin() as session:
        await session.execute(
            sa.text(
                "INSERT INTO guilds (discord_id, name, language) VALUES (:id, :name, 'en') "
                "ON CONFLICT (discord_id) DO UPDATE SET language = 'en'"
            ),
            {"id": guild.id, "name": guild.name},
        )
    bot.languages.forget(guild.id)


async def fund(bot: TatianaBot, guild: Guild, user: User, amount: int) -> None:
    """Open ``user``'s wallet and credit it, straight through the ledger."""
    ledger = Ledger(Database(bot.sessions))
    await ledger.open(GuildProfile(guild.id, guild.name), [UserProfile(user.id, user.username)])
    await ledger.give(guild.id, user.id, amount, admin_id=guild.owner_id)


async def balance_of(bot: TatianaBot, guild: Guild, user_id: int) -> int:
    wallet = await Ledger(Database(bot.sessions)).wallet(guild.id, user_id)
    return wallet.balance if wallet is not None else 0


async def redeliver(sandbox: Sandbox, reply: Reply) -> Reply:
    """Deliver ``reply``'s interaction to the bot again, same id and payload, as if its answer had been lost."""
    interaction = reply.interaction
    interaction.response_type, interaction.response_data = None, {}
    interaction.original_message_id, interaction.events = None, []
    await sandbox.gateway.dispatch(
        "INTERACTION_CREATE", interaction.payload, guild_id=interaction.guild_id, intents=0
    )
    if not await interaction.wait_for(lambda: interaction.original_message_id is not None, 5.0):
        raise NoResponse("the bot did not answer the redelivered interaction")
    message = sandbox.world.messages[interaction.channel_id][interaction.original_message_id]
    return Reply(
        kind=interaction.response_type or 0, interaction=interaction, user=reply.user, message=message
    )


async def test_daily_pays_then_says_when_to_come_back_and_grows_the_streak(
    bot: TatianaBot, guild: Guild, member: SandboxUser
) -> None:
    marta = member.user
    claimed = await member.slash("daily")
    assert not claimed.ephemeral
    assert claimed.content == (
        f"<@{marta.id}> ha reclamado la recompensa diaria: {coins(100)}.\n"
        f"Saldo: {coins(100)}. Próxima recompensa en 24 h."
    )
    again = await member.slash("daily")
    assert again.ephemeral and again.content == "Ya has reclamado tu recompensa diaria: vuelve en 24 h."

    async with bot.sessions.begin() as session:
        await session.execute(
            sa.text("UPDATE user_economy SET last_daily = :at WHERE user_id = :user"),
            {"at": datetime.now(UTC) - timedelta(hours=20, minutes=48), "user": marta.id},
        )
    later = await member.slash("daily")
    assert later.content == "Ya has reclamado tu recompensa diaria: vuelve en 3 h 12 min."

    async with bot.sessions.begin() as session:
        await session.execute(
            sa.text("UPDATE user_economy SET last_daily = :at, daily_streak = 3 WHERE user_id = :user"),
            {"at": datetime.now(UTC) - timedelta(hours=30), "user": marta.id},
        )
    await use_english(bot, guild)
    streak = await member.slash("daily")
    assert streak.content.splitlines()[:2] == [
        f"<@{marta.id}> claimed the daily reward: {coins(130)}.",
        f"Streak of 4 days: {coins(30)} of it is the streak bonus.",
    ]
    assert await balance_of(bot, guild, marta.id) == 230


async def test_daily_pays_this_servers_amount_and_streak_bonus_in_its_currency(
    bot: TatianaBot, guild: Guild, member: SandboxUser
) -> None:
    await use_english(bot, guild)
    await bot.service.update_settings(
        guild.id,
        "economy",
        {
            "currency_name": "gems",
            "currency_symbol": "💎",
            "daily_amount": 250,
            "daily_streak_bonus": 25,
            "daily_streak_max_days": 2,
        },
    )
    marta = member.user
    first = await member.slash("daily")
    assert first.content == (
        f"<@{marta.id}> claimed the daily reward: 💎 250 gems.\nBalance: 💎 250 gems. Next reward in 24 h."
    )
    async with bot.sessions.begin() as session:
        await session.execute(
            sa.text("UPDATE user_economy SET last_daily = :at WHERE user_id = :user"),
            {"at": datetime.now(UTC) - timedelta(hours=20, minutes=48), "user": marta.id},
        )
    early = await member.slash("daily")
    assert early.ephemeral
    assert early.content == "You already claimed your daily reward: come back in 3 h 12 min."
    async with bot.sessions.begin() as session:
        await session.execute(
            sa.text("UPDATE user_economy SET last_daily = :at, daily_streak = 5 WHERE user_id = :user"),
            {"at": datetime.now(UTC) - timedelta(hours=47), "user": marta.id},
        )
    capped = await member.slash("daily")
    assert capped.content.splitlines()[:2] == [
        f"<@{marta.id}> claimed the daily reward: 💎 300 gems.",
        "Streak of 6 days: 💎 50 gems of it is the streak bonus.",
    ], "the bonus stops growing after 2 days"
    async with bot.sessions.begin() as session:
        await session.execute(
            sa.text("UPDATE user_economy SET last_daily = :at WHERE user_id = :user"),
            {"at": datetime.now(UTC) - timedelta(hours=49), "user": marta.id},
        )
    missed = await member.slash("daily")
    assert missed.content.splitlines()[0] == f"<@{marta.id}> claimed the daily reward: 💎 250 gems.", (
        "a missed day resets the streak: no bonus"
    )
    assert await balance_of(bot, guild, marta.id) == 800


async def test_balance_shows_the_wallet_the_rank_the_streak_and_the_next_reward(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    await bot.service.update_settings(
        guild.id, "economy", {"currency_name": "gemas", "currency_symbol": "💎"}
    )
    await member.slash("daily")
    own = await member.slash("balance")
    assert own.ephemeral
    assert own.content.splitlines() == [
        "Tienes 💎 100 gemas.",
        "Puesto 1 en la clasificación de este servidor.",
        "Días seguidos reclamando la recompensa diaria: 1.",
        "Tu próxima recompensa diaria llega en 24 h.",
    ]
    pablo = named(sandbox, guild, "pablo")
    other = await acting(sandbox, guild, "sofia").slash("balance", member=member.user)
    assert other.content.splitlines() == [
        f"<@{member.user.id}> tiene 💎 100 gemas.",
        "Puesto 1 en la clasificación de este servidor.",
        "Días seguidos reclamando la recompensa diaria: 1.",
    ]
    unopened = await member.slash("balance", member=sandbox.world.users[pablo.user_id])
    assert unopened.content == f"<@{pablo.user_id}> tiene 💎 0 gemas."


async def test_a_small_payment_is_made_at_once_and_announced(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    pablo = sandbox.world.users[named(sandbox, guild, "pablo").user_id]
    await fund(bot, guild, member.user, 500)
    reply = await member.slash("pay", member=pablo, amount=200)
    assert not reply.ephemeral and reply.custom_ids == []
    assert reply.content == f"<@{member.user.id}> ha pagado {coins(200)} a <@{pablo.id}>."
    assert [await balance_of(bot, guild, u.id) for u in (member.user, pablo)] == [300, 200]


async def test_a_large_payment_waits_for_the_payers_confirmation(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    await use_english(bot, guild)
    pablo = sandbox.world.users[named(sandbox, guild, "pablo").user_id]
    await fund(bot, guild, member.user, 5_000)

    ask = await member.slash("pay", member=pablo, amount=1_500)
    assert ask.ephemeral
    assert ask.content == f"Pay {coins(1500)} to <@{pablo.id}>? Confirm within a minute."
    assert ask.custom_ids == [
        f"economy:pay:confirm:{ask.interaction.id}",
        f"economy:pay:cancel:{ask.interaction.id}",
    ]
    assert await balance_of(bot, guild, pablo.id) == 0, "nothing moves before the confirmation"
    done = await ask.press(button(ask, "confirm"))
    assert done.kind == 7 and done.content == "Payment made." and done.custom_ids == []
    [notice] = await done.wait_followup()
    assert notice.content == f"<@{member.user.id}> paid {coins(1500)} to <@{pablo.id}>."
    assert not notice.flags & 64, "the payment is announced in public"

    second = await member.slash("pay", member=pablo, amount=2_000)
    cancelled = await second.press(button(second, "cancel"))
    assert cancelled.content == "Payment cancelled: nothing was paid." and cancelled.custom_ids == []
    assert [await balance_of(bot, guild, u.id) for u in (member.user, pablo)] == [3_500, 1_500]


async def test_the_confirmation_threshold_is_the_servers_own(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    pablo = sandbox.world.users[named(sandbox, guild, "pablo").user_id]
    await fund(bot, guild, member.user, 5_000)
    await bot.service.update_settings(guild.id, "economy", {"pay_confirm_threshold": 100})
    asked = await member.slash("pay", member=pablo, amount=100)
    assert asked.custom_ids and asked.content.startswith("¿Pagar"), "at the threshold: confirm first"
    await bot.service.update_settings(guild.id, "economy", {"pay_confirm_threshold": 0})
    paid = await member.slash("pay", member=pablo, amount=4_000)
    assert paid.custom_ids == [] and " ha pagado " in paid.content, "0: never asks"
    assert [await balance_of(bot, guild, u.id) for u in (member.user, pablo)] == [1_000, 4_000]


async def test_an_unanswered_confirmation_lapses_and_pays_nothing(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pay, "CONFIRM_TIMEOUT", 0.2)
    pablo = sandbox.world.users[named(sandbox, guild, "pablo").user_id]
    await fund(bot, guild, member.user, 5_000)
    ask = await member.slash("pay", member=pablo, amount=1_000)
    assert ask.custom_ids
    for _ in range(50):
        if not ask.custom_ids:
            break
        await asyncio.sleep(0.05)
    assert ask.content == "Sin respuesta en un minuto: el pago se ha cancelado." and ask.custom_ids == []
    assert [await balance_of(bot, guild, u.id) for u in (member.user, pablo)] == [5_000, 0]


async def test_payments_that_cannot_be_made_get_a_clear_sentence(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    world = sandbox.world
    pablo = world.users[named(sandbox, guild, "pablo").user_id]
    outsider = world.add_user("outsider")
    sofia = acting(sandbox, guild, "sofia")
    await fund(bot, guild, sofia.user, 50)
    cases = {
        "self": (member, member.user, 10),
        "bot": (member, world.bot, 10),
        "outsider": (member, outsider, 10),
        "zero": (sofia, pablo, 0),
        "negative": (sofia, pablo, -5),
        "too much": (sofia, pablo, 51),
    }
    replies = {
        name: await payer.slash("pay", member=who, amount=amount)
        for name, (payer, who, amount) in cases.items()
    }
    assert {name: reply.content for name, reply in replies.items()} == {
        "self": "No puedes pagarte a ti mismo.",
        "bot": f"<@{world.bot.id}> es un bot: los bots no tienen cartera.",
        "outsider": f"<@{outsider.id}> no es miembro de este servidor.",
        "zero": "La cantidad debe ser un número entero de 1 a 1\u202f000\u202f000\u202f000.",
        "negative": "La cantidad debe ser un número entero de 1 a 1\u202f000\u202f000\u202f000.",
        "too much": f"Solo tienes {coins(50)}: no alcanza para {coins(51)}.",
    }
    assert all(reply.ephemeral for reply in replies.values())
    assert [await balance_of(bot, guild, u.id) for u in (sofia.user, pablo)] == [50, 0]


async def test_the_leaderboard_turns_pages_for_whoever_asked(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    world = sandbox.world
    rich = [world.add_user(f"rich{n}") for n in range(12)]
    for number, user in enumerate(rich):
        world.add_member(guild, user)
        await fund(bot, guild, user, 1_000 - number)
    board = await member.slash("leaderboard")
    assert not board.ephemeral
    [page] = board.embeds
    assert page["title"] == "Los más ricos de Tatiana Dev"
    lines = page["description"].splitlines()
    assert len(lines) == 10 and lines[0] == f"**1.** <@{rich[0].id}> · {coins(1000)}"
    assert page["footer"]["text"] == "Página 1 de 2"
    assert disabled(board) == {"previous": True, "next": False}

    turned = await board.press(button(board, "next"))
    assert turned.kind == 7
    [page] = turned.embeds
    assert page["description"].splitlines() == [
        f"**11.** <@{rich[10].id}> · {coins(990)}",
        f"**12.** <@{rich[11].id}> · {coins(989)}",
    ]
    assert page["footer"]["text"] == "Página 2 de 2"
    assert disabled(turned) == {"previous": False, "next": True}

    stranger = await acting(sandbox, guild, "pablo").press(board.message_id or 0, button(board, "previous"))
    assert stranger.ephemeral
    assert stranger.content == f"Estos botones son de <@{member.user.id}>: usa tú el comando."
    back = await board.press(button(board, "previous"))
    assert back.embeds[0]["footer"]["text"] == "Página 1 de 2"


async def test_a_role_bought_in_the_shop_is_granted_and_listed_in_the_inventory(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser, owner: SandboxUser
) -> None:
    world = sandbox.world
    vip: Role = world.add_role(guild, "VIP", position=1)
    added = await owner.slash(
        "economy item-add", name="VIP", price=300, role=vip, stock=2, description="Sala VIP"
    )
    assert added.ephemeral and added.content == f"«VIP» está a la venta por {coins(300)}."
    await owner.slash("economy item-add", name="Galleta", price=5)

    shop = await member.slash("shop")
    [listing] = shop.embeds
    assert listing["description"] == (
        f"**Galleta** · {coins(5)}\n\n**VIP** · {coins(300)} · quedan 2 · viene con el rol <@&{vip.id}>\nSala VIP"
    )
    assert await member.autocomplete("buy", "item", "vi") == [{"name": "VIP", "value": "VIP"}]

    broke = await member.slash("buy", item="vip")
    assert broke.content == f"Solo tienes {coins(0)}: no alcanza para {coins(300)}."
    await fund(bot, guild, member.user, 1_000)
    bought = await member.slash("buy", item="vip")
    assert bought.deferred and bought.ephemeral
    assert bought.content == (
        f"Has comprado 1 × VIP por {coins(300)}. Saldo: {coins(700)}.\nAhora tienes el rol <@&{vip.id}>."
    )
    assert vip.id in guild.members[member.user.id].roles
    action = world.actions[-1]
    assert (action.kind, action.target_id, action.data["role_id"]) == ("role_add", member.user.id, vip.id)
    twice = await member.slash("buy", item="VIP")
    assert twice.content == "Ya tienes «VIP»."
    await member.slash("buy", item="galleta", quantity=3)

    mine = await member.slash("inventory")
    assert mine.embeds[0]["title"] == "Tu inventario"
    assert mine.embeds[0]["description"] == "3 × Galleta\n1 × VIP"
    seen = await acting(sandbox, guild, "pablo").slash("inventory", member=member.user)
    assert seen.embeds[0]["title"] == "Inventario de Marta"
    assert await balance_of(bot, guild, member.user.id) == 685


async def test_a_role_discord_refuses_undoes_the_purchase(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser, owner: SandboxUser
) -> None:
    above_the_bot = sandbox.world.add_role(guild, "Admins")
    await owner.slash("economy item-add", name="Admin", price=100, role=above_the_bot)
    await fund(bot, guild, member.user, 100)
    reply = await member.slash("buy", item="admin")
    assert reply.content == (
        f"El bot no ha podido darte el rol <@&{above_the_bot.id}>, así que la compra se ha deshecho "
        f"y {coins(100)} han vuelto a tu cartera."
    )
    assert above_the_bot.id not in guild.members[member.user.id].roles
    assert await balance_of(bot, guild, member.user.id) == 100
    assert (await member.slash("inventory")).content == "Aún no has comprado nada: mira /tienda."


async def test_shop_refusals_are_sentences(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser, owner: SandboxUser
) -> None:
    await use_english(bot, guild)
    await owner.slash("economy item-add", name="Cake", price=10, stock=1)
    duplicate = await owner.slash("economy item-add", name="cake", price=3)
    everyone = await owner.slash("economy item-add", name="All", price=3, role=guild.roles[guild.id])
    await fund(bot, guild, member.user, 100)
    replies = [
        await member.slash("buy", item="pie"),
        await member.slash("buy", item="cake", quantity=0),
        await member.slash("buy", item="cake", quantity=2),
    ]
    await member.slash("buy", item="cake")
    replies.append(await member.slash("buy", item="cake"))
    assert [duplicate.content, everyone.content, *(r.content for r in replies)] == [
        "The shop already sells an item called “cake”.",
        "@everyone can't be sold: it is @everyone or managed by an integration.",
        "The shop has no item called “pie”: /shop lists what is for sale.",
        "The quantity must be a whole number from 1 to 100.",
        "Only 1 of “Cake” are left.",
        "“Cake” is sold out.",
    ]
    removed = await owner.slash("economy item-remove", item="CAKE")
    assert removed.content == "“Cake” is no longer on sale."
    assert (await member.slash("shop")).content == "The shop has nothing for sale yet."


async def test_admins_give_take_and_reset_and_members_cannot(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser, owner: SandboxUser
) -> None:
    with pytest.raises(UnknownCommand, match="lacks the permissions"):
        member.command("economy")
    marta = member.user
    given = await owner.slash("economy give", member=marta, amount=1_000)
    taken = await owner.slash("economy take", member=marta, amount=300)
    too_much = await owner.slash("economy take", member=marta, amount=701)
    reset = await owner.slash("economy reset", member=marta)
    a_bot = await owner.slash("economy give", member=sandbox.world.bot, amount=5)
    assert [r.content for r in (given, taken, too_much, reset, a_bot)] == [
        f"Has dado {coins(1000)} a <@{marta.id}>. Su saldo: {coins(1000)}.",
        f"Has quitado {coins(300)} a <@{marta.id}>. Su saldo: {coins(700)}.",
        f"<@{marta.id}> solo tiene {coins(700)}: no puedes quitarle {coins(701)}. "
        "/economía reiniciar vacía la cartera.",
        f"Has vaciado la cartera de <@{marta.id}> (se han quitado {coins(700)}) y terminado su racha diaria.",
        f"<@{sandbox.world.bot.id}> es un bot: los bots no tienen cartera.",
    ]
    history = await Ledger(Database(bot.sessions)).history(guild.id, marta.id)
    assert [(e.kind, e.amount, e.counterparty_id) for e in history] == [
        ("reset", -700, owner.user.id),
        ("take", -300, owner.user.id),
        ("give", 1000, owner.user.id),
    ]


async def test_a_redelivered_interaction_moves_money_once(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser, owner: SandboxUser
) -> None:
    """The same interaction id reaching the bot twice (a lost answer, a resumed gateway) applies once."""
    pablo = sandbox.world.users[named(sandbox, guild, "pablo").user_id]
    given = await owner.slash("economy give", member=member.user, amount=500)
    again = await redeliver(sandbox, given)
    assert again.content == f"Has dado {coins(500)} a <@{member.user.id}>. Su saldo: {coins(500)}."
    assert given.content == again.content
    claimed = await member.slash("daily")
    reclaimed = await redeliver(sandbox, claimed)
    assert reclaimed.content.splitlines()[0] == claimed.content.splitlines()[0], "answers what it did"
    assert not reclaimed.ephemeral
    paid = await member.slash("pay", member=pablo, amount=400)
    assert paid.content == f"<@{member.user.id}> ha pagado {coins(400)} a <@{pablo.id}>."
    repaid = await redeliver(sandbox, paid)
    assert repaid.ephemeral and repaid.content == "Este pago ya se hizo."
    await owner.slash("economy item-add", name="Galleta", price=5, stock=10)
    bought = await member.slash("buy", item="galleta", quantity=2)
    rebought = await redeliver(sandbox, bought)
    assert rebought.content == bought.content
    assert [await balance_of(bot, guild, u.id) for u in (member.user, pablo)] == [500 + 100 - 400 - 10, 400]
    assert (await member.slash("inventory")).embeds[0]["description"] == "2 × Galleta"
    history = await Ledger(Database(bot.sessions)).history(guild.id, member.user.id)
    assert [entry.kind for entry in history] == ["buy", "pay", "daily", "give"]
    assert await Ledger(Database(bot.sessions)).discrepancies(guild.id) == []


async def test_a_member_running_a_command_too_often_is_told_to_wait(member: SandboxUser) -> None:
    for _ in range(5):
        assert not (await member.slash("balance")).content.startswith("Vas demasiado rápido")
    slowed = await member.slash("balance")
    assert slowed.ephemeral
    assert re.fullmatch(r"Vas demasiado rápido: vuelve a usar este comando en \d+ s\.", slowed.content)


async def concurrent_commands_keep_the_money_right(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    """20 simultaneous /daily by one member, then a dozen simultaneous /pay among five members."""
    claims = await asyncio.gather(*(member.slash("daily") for _ in range(20)))
    assert sum(not reply.ephemeral for reply in claims) == 1, "20 claims at once pay once"
    refused = {reply.content for reply in claims if reply.ephemeral}
    assert refused == {"Ya has reclamado tu recompensa diaria: vuelve en 24 h."}
    assert await balance_of(bot, guild, member.user.id) == 100

    people = [acting(sandbox, guild, name) for name in ("ana", "luis", "pablo", "sofia")]
    for person in people:
        await fund(bot, guild, person.user, 300)
    pairs = [(payer, payee) for payer in people for payee in [*people, member] if payee is not payer]
    payments = [
        payer.slash("pay", member=payee.user, amount=90 + 10 * number)
        for number, (payer, payee) in enumerate(pairs)
        if number % 4 != 3
    ]
    replies = await asyncio.gather(*payments)
    paid = [reply for reply in replies if " ha pagado " in reply.content]
    short = [reply for reply in replies if reply.content.startswith("Solo tienes")]
    assert paid and len(paid) + len(short) == len(replies) == 12
    total = sum([await balance_of(bot, guild, p.user.id) for p in [*people, member]])
    assert total == 100 + 4 * 300
    assert await Ledger(Database(bot.sessions)).discrepancies(guild.id) == []


async def test_concurrent_commands_keep_the_money_right(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    await concurrent_commands_keep_the_money_right(bot, sandbox, guild, member)


@pytest.mark.postgres
class TestOnPostgres:
    """The bot on the real PostgreSQL instead of its SQLite file."""

    @pytest.fixture
    def tatiana_database_url(self, postgres_url: str) -> str:
        return postgres_url

    async def test_concurrent_commands_keep_the_money_right(
        self, bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser
    ) -> None:
        await concurrent_commands_keep_the_money_right(bot, sandbox, guild, member)


async def test_the_shop_suggests_nothing_where_the_economy_is_switched_off(
    bot: TatianaBot, guild: Guild, member: SandboxUser, owner: SandboxUser
) -> None:
    await owner.slash("economy item-add", name="Galleta", price=5)
    assert await member.autocomplete("buy", "item", "ga") == [{"name": "Galleta", "value": "Galleta"}]
    await bot.service.disable(guild.id, "economy")
    assert await member.autocomplete("buy", "item", "ga") == []
    await bot.service.enable(guild.id, "economy")
    assert await member.autocomplete("buy", "item", "ga") == [{"name": "Galleta", "value": "Galleta"}]


async def test_a_confirmation_pressed_after_the_economy_was_switched_off_pays_nothing(
    bot: TatianaBot, sandbox: Sandbox, guild: Guild, member: SandboxUser
) -> None:
    await use_english(bot, guild)
    pablo = sandbox.world.users[named(sandbox, guild, "pablo").user_id]
    await fund(bot, guild, member.user, 5_000)
    ask = await member.slash("pay", member=pablo, amount=1_500)
    await bot.service.disable(guild.id, "economy")
    refused = await ask.press(button(ask, "confirm"))
    assert refused.ephemeral and "economy" in refused.content and "disabled" in refused.content, (
        refused.content
    )
    assert [await balance_of(bot, guild, u.id) for u in (member.user, pablo)] == [5_000, 0]
