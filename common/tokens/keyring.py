"""The RS256 keys of this process: verifying by ``kid``, and signing (auth_api).

Verifiers hold the current and the previous public key; an unknown kid makes the process
re-read the key files (a rotation happened), at most every KEY_RELOAD_SECONDS. auth_api
also holds the private key and notices a rotation by the files' modification times, so it
signs with the new key without a restart; a pair read halfway through a rotation (a new
private key beside the old public one) is never used.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, current_app
from jwt import InvalidTokenError

from common.config import Config
from common.tokens.keys import KeySet, files_stamp, key_paths, load_keyset

log = logging.getLogger(__name__)
KEYSET = "tts_keyset"
# An unknown kid re-reads the key files at most this often (a flood of forged kids
# must not turn into a flood of file reads).
KEY_RELOAD_SECONDS = 10.0
KEY_RETRY_SECONDS = 1.0  # after reading a rotation halfway through
_reload_lock = threading.Lock()


def install(app: Flask, config: Config) -> KeySet:
    """Load the key set into ``app`` and return it."""
    paths = key_paths(config)
    keys = load_keyset(paths)
    app.extensions[KEYSET] = {
        "keys": keys,
        "paths": paths,
        "loaded": time.monotonic(),
        "checked": time.monotonic(),
        "stamp": files_stamp(paths),
    }
    return keys


def register(manager) -> None:
    """Hand flask-jwt-extended the keys to verify and to sign with."""
    manager.decode_key_loader(_verification_key)
    manager.additional_headers_loader(_signing_headers)
    manager.encode_key_loader(_signing_key)


def keyset() -> KeySet:
    return current_app.extensions[KEYSET]["keys"]


def _reload_keys() -> KeySet:
    state = current_app.extensions[KEYSET]
    with _reload_lock:
        if time.monotonic() - state["loaded"] >= KEY_RELOAD_SECONDS:
            state["loaded"] = time.monotonic()
            try:
                keys = load_keyset(state["paths"])
            except (OSError, ValueError):
                log.exception("re-reading the JWT key files failed")
            else:
                # auth (which holds the private key) never takes a half-rotated pair; it
                # looks again in a second rather than after the full interval.
                if keys.private_key is None or keys.pair_matches():
                    state["keys"] = keys
                else:
                    state["loaded"] = time.monotonic() - KEY_RELOAD_SECONDS + KEY_RETRY_SECONDS
    return state["keys"]


def _verification_key(header: dict, _payload: dict) -> bytes:
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise InvalidTokenError("token has no key id")
    keys = keyset()
    if kid not in keys.public_keys:
        keys = _reload_keys()
    if kid not in keys.public_keys:
        raise InvalidTokenError("unknown key id")
    return keys.public_keys[kid]


# flask-jwt-extended asks for a token's headers (the kid), then for its signing key: the
# pair chosen for the first call is handed to the second, so both come from one key set
# even if a rotation is picked up in between.
_signing = threading.local()


def _signing_headers(_identity) -> dict:
    _signing.keys = _rotated_keys()
    return {"kid": _signing.keys.current_kid}


def _signing_key(_identity):
    keys = getattr(_signing, "keys", None) or _rotated_keys()
    _signing.keys = None
    return keys.private_key


def _rotated_keys() -> KeySet:
    """The pair auth signs with: re-read once ``tts keys rotate`` replaced the files (looked
    at every KEY_RELOAD_SECONDS at most), so auth needs no restart after a rotation."""
    state = current_app.extensions[KEYSET]
    if time.monotonic() - state.get("checked", 0.0) < KEY_RELOAD_SECONDS:
        return state["keys"]
    with _reload_lock:
        if time.monotonic() - state.get("checked", 0.0) < KEY_RELOAD_SECONDS:
            return state["keys"]
        state["checked"] = time.monotonic()
        stamp = files_stamp(state["paths"])
        if stamp == state.get("stamp"):
            return state["keys"]
        try:
            keys = load_keyset(state["paths"])
        except (OSError, ValueError):
            log.exception("re-reading the JWT key files failed; signing with the old key")
            return state["keys"]
        if keys.pair_matches():
            state.update(keys=keys, stamp=stamp, loaded=time.monotonic())
        else:
            # Caught between the two writes of a rotation (or the private key was replaced
            # alone): keep signing with the old pair and look again in a second.
            log.warning("JWT key files do not form a pair yet; signing with the old key")
            state["checked"] = time.monotonic() - KEY_RELOAD_SECONDS + KEY_RETRY_SECONDS
    return state["keys"]
