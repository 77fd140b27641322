"""Shared plumbing of every TTS service: config, database, security, events."""
