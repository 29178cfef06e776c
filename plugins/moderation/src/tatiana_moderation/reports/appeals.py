"""Ban appeals: the Appeal button of a ban's direct message, its form, and the moderators' Accept and Deny.

The banned user presses Appeal in their DM (no guild there: the button's custom id names the guild), writes
why in a form, and the appeal is posted in the appeal channel. A moderator who may ban accepts it (the ban
is lifted and an ``unban`` case opened in their name) or denies it; the user is told by DM. One appeal per
ban; a ban already lifted says so.
"""

from __future__ import annotations

import enum
import logging

import hikari
import sqlalchemy as sa

from tatiana import Database, Translator
from tatiana_moderation import schedule
from tatiana_moderation.cases import Action, Case, Person, Source, close_active, get_case_by_id, open_case
from tatiana_moderation.commands.common import audit_reason
from tatiana_moderation.core_tables import cases
from tatiana_moderation.reporting import direct_message, publish
from tatiana_moderation.reports import alerts, ids, store
from tatiana_moderation.reports.queue import quote
from tatiana_moderation.reports.responses import (
    Deps,
    answer_privately,
    guild_of,
    has_permission,
    person,
    tell_privately,
    text_field,
)

log = logging.getLogger(__name__)

APPEAL_MIN_LENGTH = 10
APPEAL_MAX_LENGTH = 1000
PENDING_COLOR = 0x3498DB
COLORS = {store.Decision.ACCEPTED: 0x2ECC71, store.Decision.DENIED: 0x992D22}


class Verdict(enum.StrEnum):
    """The appeal post's buttons."""

    ACCEPT = "accept"
    DENY = "deny"


DECISIONS = {Verdict.ACCEPT: store.Decision.ACCEPTED, Verdict.DENY: store.Decision.DENIED}


def appeal_button(guild_id: int, t: Translator) -> hikari.impl.MessageActionRowBuilder:
    """The Appeal button a ban's direct message carries when the guild takes appeals."""
    return hikari.impl.MessageActionRowBuilder().add_interactive_button(
        hikari.ButtonStyle.PRIMARY,
        ids.make(ids.APPEAL_BUTTON, guild_id),
        label=t("moderation.appeals.button"),
    )


async def latest_ban(db: Database, guild_id: int, user_id: int) -> Case | None:
    """The user's most recent ban case in the guild, or None (banned outside the bot)."""
    async with db.session() as session:
        row = (
            await session.execute(
                sa.select(cases.c.id)
                .where(
                    cases.c.guild_id == guild_id,
                    cases.c.user_id == user_id,
                    cases.c.action == Action.BAN.value,
                )
                .order_by(cases.c.case_number.desc())
                .limit(1)
            )
        ).one_or_none()
    return await get_case_by_id(db, row.id) if row is not None else None


async def _guild_name(app: hikari.RESTAware, guild_id: int) -> str:
    if isinstance(app, hikari.CacheAware) and (guild := app.cache.get_guild(guild_id)) is not None:
        return guild.name
    try:
        return (await app.rest.fetch_guild(guild_id)).name
    except (hikari.NotFoundError, hikari.ForbiddenError):
        return str(guild_id)


async def _refusal(
    interaction: hikari.PartialInteraction, guild_id: int, deps: Deps, t: Translator
) -> tuple[str | None, Case | None]:
    """Why the user may not appeal now (appeals closed, ban lifted, already appealed), and the ban's case."""
    settings = await deps.settings(guild_id)
    guild = await _guild_name(interaction.app, guild_id)
    if not settings.reports.takes_appeals:
        return t("moderation.appeals.errors.closed", guild=guild), None
    user_id = int(interaction.user.id)
    try:
        await interaction.app.rest.fetch_ban(guild_id, user_id)
    except hikari.NotFoundError:
        return t("moderation.appeals.errors.lifted", guild=guild), None
    except hikari.ForbiddenError:
        log.info("cannot read the bans of guild %s: taking the appeal of %s unchecked", guild_id, user_id)
    ban = await latest_ban(deps.db, guild_id, user_id)
    existing = await store.appeal_of_ban(deps.db, guild_id, user_id, ban.id if ban is not None else None)
    if existing is not None:
        key = "pending" if existing.decision is store.Decision.PENDING else "decided"
        return t(f"moderation.appeals.errors.{key}", guild=guild), ban
    return None, ban


async def open_form(interaction: hikari.ComponentInteraction, guild_id: int, deps: Deps) -> None:
    """The Appeal button: the form for the appeal, unless the user may not appeal."""
    t = await deps.translator(guild_id)
    problem, _ = await _refusal(interaction, guild_id, deps, t)
    if problem is not None:
        await answer_privately(interaction, problem)
        return
    guild = await _guild_name(interaction.app, guild_id)
    field = hikari.impl.ModalActionRowBuilder().add_text_input(
        ids.APPEAL_FIELD,
        t("moderation.appeals.form.text"),
        style=hikari.TextInputStyle.PARAGRAPH,
        placeholder=t("moderation.appeals.form.placeholder"),
        min_length=APPEAL_MIN_LENGTH,
        max_length=APPEAL_MAX_LENGTH,
    )
    title = t("moderation.appeals.form.title", guild=guild)[:45]
    await interaction.create_modal_response(title, ids.make(ids.APPEAL_FORM, guild_id), components=[field])


def appeal_embed(
    appeal: store.Appeal, ban: Case | None, t: Translator, outcome: str | None = None
) -> hikari.Embed:
    """The appeal's post for the moderators: who, which ban, their words; ``outcome`` once decided."""
    embed = hikari.Embed(
        title=t("moderation.appeals.post.title", number=appeal.id),
        description=quote(appeal.text),
        color=COLORS.get(appeal.decision, PENDING_COLOR),
        timestamp=appeal.created_at,
    )
    embed.add_field(
        t("moderation.appeals.post.user"), f"<@{appeal.user_id}> (`{appeal.user_id}`)", inline=True
    )
    if ban is not None:
        embed.add_field(
            t("moderation.appeals.post.ban"),
            t("moderation.appeals.post.case", number=ban.number),
            inline=True,
        )
        embed.add_field(
            t("moderation.appeals.post.ban_reason"), ban.reason or t("moderation.embed.no_reason")
        )
    if outcome is not None:
        embed.add_field(t("moderation.appeals.post.decision"), outcome)
    return embed


def decision_buttons(
    appeal_id: int, t: Translator, *, disabled: bool = False
) -> hikari.impl.MessageActionRowBuilder:
    """Accept and Deny under an appeal."""
    row = hikari.impl.MessageActionRowBuilder()
    styles: dict[Verdict, hikari.components.InteractiveButtonTypesT] = {
        Verdict.ACCEPT: hikari.ButtonStyle.SUCCESS,
        Verdict.DENY: hikari.ButtonStyle.DANGER,
    }
    for verdict, style in styles.items():
        row.add_interactive_button(
            style,
            ids.make(ids.APPEAL_DECISION, verdict, appeal_id),
            label=t(f"moderation.appeals.buttons.{verdict}"),
            is_disabled=disabled,
        )
    return row


async def submit(interaction: hikari.ModalInteraction, guild_id: int, deps: Deps) -> None:
    """The form came back: record the appeal, post it for the moderators, and take the button off the DM."""
    t = await deps.translator(guild_id)
    await interaction.create_initial_response(hikari.ResponseType.DEFERRED_MESSAGE_UPDATE)
    problem, ban = await _refusal(interaction, guild_id, deps, t)
    text = text_field(interaction, ids.APPEAL_FIELD)[:APPEAL_MAX_LENGTH]
    if problem is None and len(text) < APPEAL_MIN_LENGTH:
        problem = t("moderation.appeals.errors.too_short", minimum=APPEAL_MIN_LENGTH)
    if problem is not None:
        await tell_privately(interaction, problem)
        return
    dm = interaction.message
    try:
        appeal = await store.create_appeal(
            deps.db,
            guild_id=guild_id,
            user_id=int(interaction.user.id),
            ban_case_id=ban.id if ban is not None else None,
            text=text,
            dm_channel_id=int(dm.channel_id) if dm is not None else None,
            dm_message_id=int(dm.id) if dm is not None else None,
        )
    except store.AlreadyExists:
        await tell_privately(
            interaction,
            t("moderation.appeals.errors.pending", guild=await _guild_name(interaction.app, guild_id)),
        )
        return
    settings = await deps.settings(guild_id)
    channel = settings.reports.appeal_destination
    assert channel is not None, "_refusal() checked that appeals are taken"
    try:
        post = await interaction.app.rest.create_message(
            channel,
            embed=appeal_embed(appeal, ban, t),
            components=[decision_buttons(appeal.id, t)],
            user_mentions=False,
        )
    except (hikari.ForbiddenError, hikari.NotFoundError) as exc:
        log.info("could not post appeal %s of guild %s in %s: %s", appeal.id, guild_id, channel, exc)
        await store.forget_appeal(deps.db, appeal.id)
        await tell_privately(interaction, t("moderation.appeals.errors.undelivered"))
        return
    await store.set_appeal_message(deps.db, appeal.id, channel, int(post.id))
    await alerts.appeal_filed(deps.live, appeal)
    sent = t("moderation.appeals.sent")
    content = f"{dm.content}\n\n{sent}" if dm is not None and dm.content else sent
    await interaction.edit_initial_response(content, components=[], user_mentions=False)


async def decide(interaction: hikari.ComponentInteraction, verb: str, appeal_id: int, deps: Deps) -> None:
    """Accept (unban, with a case) or deny an appeal, once; show who decided and tell the user."""
    if interaction.guild_id is None or verb not in set(Verdict):
        return
    verdict = Verdict(verb)
    t = await deps.translator(interaction.guild_id)
    if not has_permission(interaction, hikari.Permissions.BAN_MEMBERS):
        needed = t("moderation.permissions.BAN_MEMBERS")
        await answer_privately(interaction, t("moderation.appeals.errors.no_permission", permission=needed))
        return
    appeal = await store.get_appeal(deps.db, appeal_id)
    if appeal is None or appeal.guild_id != interaction.guild_id:
        await answer_privately(interaction, t("moderation.appeals.errors.unknown"))
        return
    claimed = await store.claim_appeal(deps.db, appeal.id, int(interaction.user.id), DECISIONS[verdict])
    if claimed is None:
        latest = await store.get_appeal(deps.db, appeal.id) or appeal
        await answer_privately(
            interaction, t("moderation.appeals.errors.already_decided", outcome=_outcome(latest, t))
        )
        return
    await interaction.create_initial_response(hikari.ResponseType.DEFERRED_MESSAGE_UPDATE)
    problems: list[str] = []
    if verdict is Verdict.ACCEPT:
        try:
            problems = await _lift(interaction, claimed, deps, t)
        except hikari.ForbiddenError:
            await store.reopen_appeal(deps.db, claimed.id)
            await tell_privately(
                interaction, t("moderation.errors.discord_refused", member=f"<@{claimed.user_id}>")
            )
            return
    if not await _tell_user(interaction.app.rest, claimed, t, guild_of(interaction).name):
        problems.append(t("moderation.errors.dm_failed", member=f"<@{claimed.user_id}>"))
    ban = await get_case_by_id(deps.db, claimed.ban_case_id) if claimed.ban_case_id is not None else None
    await interaction.edit_initial_response(
        embed=appeal_embed(claimed, ban, t, _outcome(claimed, t)),
        components=[decision_buttons(claimed.id, t, disabled=True)],
    )
    if problems:
        await tell_privately(interaction, "\n".join(problems))


def _outcome(appeal: store.Appeal, t: Translator) -> str:
    if appeal.decision is store.Decision.PENDING or appeal.decided_by is None:
        return t("moderation.appeals.errors.busy")
    return t(f"moderation.appeals.outcome.{appeal.decision}", moderator=f"<@{appeal.decided_by}>")


async def _lift(
    interaction: hikari.ComponentInteraction, appeal: store.Appeal, deps: Deps, t: Translator
) -> list[str]:
    """Lift the ban and record it as an unban case in the deciding moderator's name; the side problems."""
    rest = interaction.app.rest
    guild = guild_of(interaction)
    reason = t("moderation.appeals.case_reason", number=appeal.id)
    try:
        await rest.unban_user(guild.id, appeal.user_id, reason=audit_reason(interaction.user, reason))
    except hikari.NotFoundError:
        return [t("moderation.appeals.errors.already_lifted", member=f"<@{appeal.user_id}>")]
    await close_active(deps.db, guild.id, appeal.user_id, Action.BAN)
    await schedule.cancel(deps.db, guild.id, appeal.user_id, "unban")
    try:
        target = person(await rest.fetch_user(appeal.user_id))
    except hikari.NotFoundError:
        target = Person(appeal.user_id, str(appeal.user_id))
    case = await open_case(
        deps.db,
        guild=guild,
        target=target,
        moderator=person(interaction.user),
        action=Action.UNBAN,
        reason=reason,
        source=Source.APPEAL,
        channel_id=int(interaction.channel_id),
    )
    await store.set_unban_case(deps.db, appeal.id, case.id)
    settings = await deps.settings(guild.id)
    published = await publish(
        rest, deps.db, case, t=t, settings=settings, guild_name=guild.name, live=deps.live
    )
    if published.logged is False:
        return [t("moderation.errors.log_failed", channel=f"<#{settings.mod_log_channel_id}>")]
    return []


async def _tell_user(
    rest: hikari.api.RESTClient, appeal: store.Appeal, t: Translator, guild_name: str
) -> bool:
    """Tell the user the decision: a new DM, or, when Discord refuses one (no server shared any more), the ban's DM."""
    text = t(f"moderation.appeals.dm.{appeal.decision}", guild=guild_name)
    if await direct_message(rest, appeal.user_id, text):
        return True
    if appeal.dm_channel_id is None or appeal.dm_message_id is None:
        return False
    try:
        await rest.edit_message(appeal.dm_channel_id, appeal.dm_message_id, text, components=[])
    except (hikari.ForbiddenError, hikari.NotFoundError) as exc:
        log.info("could not tell %s the decision on appeal %s: %s", appeal.user_id, appeal.id, exc)
        return False
    return True
