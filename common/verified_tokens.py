"""Remembering tokens already verified, so a client's next request skips the RSA check.

flask-jwt-extended decodes each token three times per request (claims, header, then the
verified decode), and PyJWT checks base64 one character at a time: most of a millisecond
of CPU on every request to every service. The verified claims of a token string only
change meaning when it expires or the accepted keys change, so they are kept, per
process, keyed by the token together with everything that decided the verdict (the CSRF
value echoed with cookies, the accepted key ids, the issuer and audience). Expiry is
checked on every use; a token past its ``exp`` goes the uncached way and is refused there
with the usual answer. Revocation is not cached here: it is checked on every request.
"""

from __future__ import annotations

import functools
import time

from flask import current_app
from flask_jwt_extended import JWTManager

from common.token_keys import keyset

# Tokens live 15 minutes; this holds the active ones of a few thousand clients at once.
CACHE_SIZE = 4096


class CachingJWTManager(JWTManager):
    def _decode_jwt_from_config(
        self, encoded_token: str, csrf_value=None, allow_expired: bool = False
    ) -> dict:
        if allow_expired:
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        config = current_app.config
        claims = _verified(
            self,
            encoded_token,
            csrf_value,
            accepted_kids(),
            config["JWT_DECODE_ISSUER"],
            config["JWT_DECODE_AUDIENCE"],
        )
        if claims.get("exp", 0) <= time.time():
            # Expired since it was cached: the uncached path refuses it as flask-jwt-extended
            # would (the expired-token answer, with the token's header and data attached).
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        return dict(claims)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _verified(manager, encoded_token, csrf_value, kids, issuer, audience) -> dict:
    # Only successful verdicts are cached: lru_cache keeps no result when this raises.
    return JWTManager._decode_jwt_from_config(manager, encoded_token, csrf_value)


def accepted_kids() -> tuple[str, ...]:
    return tuple(keyset().public_pems)


def forget() -> None:
    _verified.cache_clear()
