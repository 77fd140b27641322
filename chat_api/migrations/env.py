"""Alembic environment of chat_api: its own tables, on its own database."""

from common.migrations import run_env

run_env("chat")
