"""The bot process: a hikari GatewayBot with a lightbulb client, carrying every enabled plugin."""
