"""bot.malloc: glibc's thresholds are fixed where glibc is the C library."""

from __future__ import annotations

import platform

import pytest

from bot.malloc import return_freed_memory_promptly


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_thresholds_are_set_under_glibc() -> None:
    assert return_freed_memory_promptly() is True
