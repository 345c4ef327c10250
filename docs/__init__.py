"""Documentation tools (not part of the bot; never run in tests or CI)."""
