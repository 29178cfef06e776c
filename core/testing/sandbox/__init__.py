"""A local Discord-compatible server (REST v10 and Gateway v10) that the real hikari client connects to."""
