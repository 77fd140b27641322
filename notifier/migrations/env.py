"""Alembic environment of notifier: its own tables, on its own database."""

from common.migrations import run_env

run_env("notify")
