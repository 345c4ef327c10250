"""What a reader sees in an embed, as one string to search."""

from __future__ import annotations

from typing import Any

import discord


def embed_text(embed: discord.Embed) -> str:
    """Everything a reader sees in a discord.py Embed."""
    parts = [embed.title or "", embed.description or ""]
    for f in embed.fields:
        parts += [f.name or "", f.value or ""]
    parts.append(embed.footer.text or "")
    return "\n".join(parts)


def embed_json_text(embed: dict[str, Any]) -> str:
    """Everything a reader sees in an embed as sent over the wire (JSON)."""
    parts = [embed.get("title", ""), embed.get("description", "")]
    for f in embed.get("fields", []):
        parts += [f.get("name", ""), f.get("value", "")]
    parts.append(embed.get("footer", {}).get("text", ""))
    return "\n".join(parts)
