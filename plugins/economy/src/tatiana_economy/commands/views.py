"""The base of the economy's button views: one member may press them, and a failure is logged and answered."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import hikari
import miru

from tatiana import Translator

# Under "tatiana" so that a view's failure is logged like a command's (the test fixtures watch it).
log = logging.getLogger("tatiana.plugins.economy")


class ActionButton(miru.Button):
    """A button that runs ``action`` when pressed."""

    def __init__(
        self,
        action: Callable[[miru.ViewContext], Awaitable[None]],
        *,
        label: str,
        custom_id: str,
        style: hikari.ButtonStyle = hikari.ButtonStyle.SECONDARY,
    ) -> None:
        super().__init__(label=label, custom_id=custom_id, style=style)  # type: ignore[arg-type]
        self.action = action

    async def callback(self, context: miru.ViewContext, /) -> None:
        """Run the button's action."""
        await self.action(context)


class MemberView(miru.View):
    """Buttons only ``owner_id`` may press; anyone else is told so, privately, in the guild's language.

    Custom ids end with the id of the interaction that sent the view, so that two views of the same kind
    on screen never answer each other's buttons.
    """

    def __init__(self, t: Translator, owner_id: int, *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.t = t
        self.owner_id = owner_id

    async def view_check(self, context: miru.ViewContext, /) -> bool:
        """Let the owner through; answer anyone else that the buttons are not theirs."""
        if int(context.user.id) == self.owner_id:
            return True
        await context.respond(
            self.t("economy.buttons.not_yours", member=f"<@{self.owner_id}>"),
            flags=hikari.MessageFlag.EPHEMERAL,
        )
        return False

    async def on_error(
        self,
        error: Exception,
        item: miru.abc.InteractiveViewItem | None = None,
        context: miru.ViewContext | None = None,
        /,
    ) -> None:
        """Log the failure with the plugin's name and tell the member it failed."""
        log.error("plugin economy: view %s raised", type(self).__name__, exc_info=error)
        if context is None:
            return
        try:
            await context.respond(self.t("economy.errors.failed"), flags=hikari.MessageFlag.EPHEMERAL)
        except hikari.HikariError:
            log.exception("could not answer a failed button of %s", type(self).__name__)
