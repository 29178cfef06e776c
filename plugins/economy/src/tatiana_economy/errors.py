"""Why the economy refused something; each becomes one clear sentence for the member."""

from __future__ import annotations

from datetime import datetime


class EconomyError(Exception):
    """Something a member asked for that the economy's rules do not allow."""


class WalletNotOpen(EconomyError):
    """One or more members have no wallet in the guild yet (open it and try again)."""

    def __init__(self, user_ids: list[int]) -> None:
        super().__init__(f"no wallet for {', '.join(map(str, user_ids))}")
        self.user_ids = user_ids


class InvalidAmount(EconomyError):
    """An amount that is not a whole number between 1 and the limit."""

    def __init__(self, amount: int, limit: int) -> None:
        super().__init__(f"amount {amount} is not between 1 and {limit}")
        self.amount = amount
        self.limit = limit


class SelfPayment(EconomyError):
    """A member paying themselves."""


class InsufficientFunds(EconomyError):
    """A wallet holding less than what leaves it."""

    def __init__(self, balance: int, needed: int) -> None:
        super().__init__(f"balance {balance} is less than {needed}")
        self.balance = balance
        self.needed = needed


class DailyNotReady(EconomyError):
    """The daily reward was already claimed; the next one is available at ``available_at``."""

    def __init__(self, available_at: datetime) -> None:
        super().__init__(f"next daily reward at {available_at.isoformat()}")
        self.available_at = available_at


class ItemNotFound(EconomyError):
    """No item of that name in the guild's shop."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no item {name!r}")
        self.name = name


class DuplicateItem(EconomyError):
    """The shop already sells an item of that name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"item {name!r} exists")
        self.name = name


class ShopFull(EconomyError):
    """The shop already holds as many items as it may."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"a shop holds at most {limit} items")
        self.limit = limit


class OutOfStock(EconomyError):
    """Fewer items left than the member wants."""

    def __init__(self, name: str, left: int) -> None:
        super().__init__(f"only {left} of {name!r} left")
        self.name = name
        self.left = left


class AlreadyOwned(EconomyError):
    """An item granting a role that the member already bought."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name!r} is already owned")
        self.name = name


class RoleItemQuantity(EconomyError):
    """More than one of an item that grants a role."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name!r} grants a role: one at most")
        self.name = name
