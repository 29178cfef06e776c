"""Discord's JSON errors: ``{"code", "message", "errors"}`` with Discord's codes and HTTP statuses."""

from __future__ import annotations

from typing import Any


class DiscordError(Exception):
    """An error answer; raised by a route, turned into Discord's JSON error by the middleware."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        """The JSON body Discord sends for this error."""
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def unauthorized() -> DiscordError:
    """401: no or a wrong Authorization header."""
    return DiscordError(401, 0, "401: Unauthorized")


def not_found() -> DiscordError:
    """404 for a path the API does not have."""
    return DiscordError(404, 0, "404: Not Found")


def method_not_allowed() -> DiscordError:
    """405 for a method the path does not take."""
    return DiscordError(405, 0, "405: Method Not Allowed")


def unknown(what: str) -> DiscordError:
    """404 Unknown <what> with Discord's code for it (Channel, Guild, Member, Message, Role, User, Ban...)."""
    return DiscordError(404, UNKNOWN_CODES[what], f"Unknown {what}")


UNKNOWN_CODES = {
    "Account": 10001,
    "Application": 10002,
    "Channel": 10003,
    "Guild": 10004,
    "Integration": 10005,
    "Invite": 10006,
    "Member": 10007,
    "Message": 10008,
    "Permission Overwrite": 10009,
    "Role": 10011,
    "Token": 10012,
    "User": 10013,
    "Emoji": 10014,
    "Webhook": 10015,
    "Ban": 10026,
    "Application Command": 10063,
    "interaction": 10062,
}


def missing_access() -> DiscordError:
    """403 50001: the bot cannot see the resource."""
    return DiscordError(403, 50001, "Missing Access")


def missing_permissions() -> DiscordError:
    """403 50013: the bot lacks a permission, or the target is above it in the role hierarchy."""
    return DiscordError(403, 50013, "Missing Permissions")


def cannot_edit_others_message() -> DiscordError:
    """403 50005: a message by someone else cannot be edited."""
    return DiscordError(403, 50005, "Cannot edit a message authored by another user")


def cannot_send_to_user() -> DiscordError:
    """403 50007: the user does not accept the bot's DMs."""
    return DiscordError(403, 50007, "Cannot send messages to this user")


def empty_message() -> DiscordError:
    """400 50006: a message with nothing in it."""
    return DiscordError(400, 50006, "Cannot send an empty message")


def already_acknowledged() -> DiscordError:
    """400 40060: a second response to an interaction."""
    return DiscordError(400, 40060, "Interaction has already been acknowledged.")


def invalid_webhook_token() -> DiscordError:
    """401 50027: an interaction token past its 15 minutes."""
    return DiscordError(401, 50027, "Invalid Webhook Token")


def bulk_delete_too_old() -> DiscordError:
    """400 50034: bulk delete of a message older than 14 days."""
    return DiscordError(400, 50034, "You can only bulk delete messages that are under 14 days old.")


def invalid_form_body(field: str, code: str, message: str) -> DiscordError:
    """400 50035 with the error nested under the field's path (``"embeds.0.title"``), as Discord nests it."""
    node: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    if field:
        for part in reversed(field.split(".")):
            node = {part: node}
    return DiscordError(400, 50035, "Invalid Form Body", node)


def required(field: str) -> DiscordError:
    """50035: a required field is missing."""
    return invalid_form_body(field, "BASE_TYPE_REQUIRED", "This field is required")


def bad_length(field: str, low: int, high: int) -> DiscordError:
    """50035: a string or list outside its allowed length."""
    return invalid_form_body(field, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def bad_value(field: str, message: str) -> DiscordError:
    """50035: a value Discord refuses."""
    return invalid_form_body(field, "BASE_TYPE_INVALID", message)
