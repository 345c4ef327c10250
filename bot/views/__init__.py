"""Interactive message components: pages that outlive the bot, and Confirm / Cancel."""

from bot.views.confirm import CONFIRM_TIMEOUT, Confirm
from bot.views.paginator import (
    PAGINATOR_TIMEOUT,
    PageButton,
    UnreadableState,
    disable_all_pages,
    live_pages,
    register_page_source,
    send_pages,
)

__all__ = [
    "CONFIRM_TIMEOUT",
    "PAGINATOR_TIMEOUT",
    "Confirm",
    "PageButton",
    "UnreadableState",
    "disable_all_pages",
    "live_pages",
    "register_page_source",
    "send_pages",
]
