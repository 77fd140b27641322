"""Debian's Chromium for Playwright (its own browser download is not available
everywhere): where it is, and the flags a headless run on a closed network needs."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("TTS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    # Without these, Chromium keeps calling home, and a closed network refuses it.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
