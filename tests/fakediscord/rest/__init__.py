"""The REST API v10 endpoints the fake answers, one module per resource."""

from __future__ import annotations

from . import app_commands, guilds, identity, interactions, messages

ENDPOINTS = (
    identity.ENDPOINTS
    + app_commands.ENDPOINTS
    + guilds.ENDPOINTS
    + messages.ENDPOINTS
    + interactions.ENDPOINTS
)
