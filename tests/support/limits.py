"""Discord's embed limits as the fake Discord checks them, for a discord.py Embed: the
renderers are checked by an implementation independent of their own clipping."""

from __future__ import annotations

import discord

from tests.fakediscord.limits import check_embeds


def embed_problems(embed: discord.Embed) -> list[str]:
    """Every limit this embed breaks, as the fake Discord would answer (empty = may be sent)."""
    return [str(error) for error in check_embeds([embed.to_dict()], ("embeds",))]
