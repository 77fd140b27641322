"""Sealing secrets with TTS_SECRET_KEY: a link with a one-time token, a TOTP seed.

The outbox, the broker and the database then hold only ciphertext.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from common.config import Config


def _fernet(config: Config) -> Fernet:
    digest = hashlib.sha256(b"tts-seal:" + config.secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(text: str, config: Config) -> str:
    return _fernet(config).encrypt(text.encode()).decode()


def unseal(token: str, config: Config) -> str:
    try:
        return _fernet(config).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError("sealed value does not open with this secret key") from error
