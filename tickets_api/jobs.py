"""tickets_api's periodic jobs, run by the scheduler (`tts scheduler`)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from tickets_api import service


def close_resolved() -> int:
    """Close tickets resolved longer ago than TTS_AUTO_CLOSE_HOURS (72 h by default)."""
    hours = current_app.config["TTS_CONFIG"].auto_close_hours
    return service.auto_close(timedelta(hours=hours))
