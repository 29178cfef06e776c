"""What the AI model may look up in the economy for the member who asks: their own wallet, nobody else's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tatiana import AITool, ToolCall
from tatiana_economy.wallets import read_wallet


async def own_balance(call: ToolCall) -> Mapping[str, Any]:
    """The asking member's wallet in this server."""
    async with call.database.session() as session:
        wallet = await read_wallet(session, call.guild_id, call.user_id)
    if wallet is None:
        return {"balance": 0, "daily_streak": 0, "note": "the member has no wallet yet (/daily opens one)"}
    return {
        "balance": wallet.balance,
        "daily_streak": wallet.daily_streak,
        "total_earned": wallet.total_earned,
    }


balance = AITool(
    name="balance",
    description="The balance of the member who is asking, in this server's currency, and their daily streak.",
    run=own_balance,
)
"""``economy__balance`` for the model: "how much money do I have?"."""
