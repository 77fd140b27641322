"""RS256 signing keys: loading, development generation, rotation and the JWKS document.

A key set is the current pair (auth_api signs with its private half) plus the public key
retired by the last rotation. Verifiers pick the key by the token's ``kid``, so tokens
signed before a rotation stay valid until they expire: nobody is logged out.
Outside production the files live in ``var/keys``; in production their paths come from
``TTS_JWT_PRIVATE_KEY_FILE``, ``TTS_JWT_PUBLIC_KEY_FILE`` and
``TTS_JWT_PREVIOUS_PUBLIC_KEY_FILE``.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from common.config import Config, ConfigError


@dataclass(frozen=True)
class KeyPaths:
    private: Path | None
    public: Path
    previous: Path | None = None


@dataclass(frozen=True)
class KeySet:
    """The verification keys by kid, and the key (with its kid) that signs."""

    private_pem: bytes | None
    current_kid: str
    public_pems: dict[str, bytes]  # kid -> PEM, the current key first
    jwks: tuple[dict, ...]
    # Parsed once: PyJWT given a PEM parses it on every call, and loading an RSA private
    # key (with its consistency check) costs ~50 ms, which doubled the cost of a login.
    private_key: object | None = None
    public_keys: dict[str, object] | None = None

    def pair_matches(self) -> bool:
        """The private key is the current public key's other half (files read mid-rotation
        could hold a new private key beside the old public one)."""
        if self.private_key is None or not self.public_keys:
            return False
        public = self.public_keys[self.current_kid]
        return self.private_key.public_key().public_numbers() == public.public_numbers()


def files_stamp(paths: KeyPaths) -> tuple:
    """When the key files last changed: a rotation changes it."""
    stamps = []
    for path in (paths.private, paths.public):
        try:
            stamps.append(path.stat().st_mtime_ns if path else None)
        except OSError:
            stamps.append(None)
    return tuple(stamps)


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(public_pem: bytes) -> dict:
    """The JWK of an RSA public key, with its RFC 7638 thumbprint as ``kid``."""
    key = serialization.load_pem_public_key(public_pem)
    numbers = key.public_numbers()
    jwk = {"e": _b64(numbers.e), "kty": "RSA", "n": _b64(numbers.n)}
    canonical = json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


def generate_keypair(private_path: Path, public_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_path.parent.mkdir(parents=True, exist_ok=True)
    for path, data, mode in ((private_path, private_pem, 0o600), (public_path, public_pem, 0o644)):
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)


def load_keyset(paths: KeyPaths) -> KeySet:
    current = paths.public.read_bytes()
    pems = [current]
    if paths.previous is not None and paths.previous.exists():
        pems.append(paths.previous.read_bytes())
    jwks: list[dict] = []
    by_kid: dict[str, bytes] = {}
    for pem in pems:
        jwk = public_jwk(pem)
        if jwk["kid"] not in by_kid:
            by_kid[jwk["kid"]] = pem
            jwks.append(jwk)
    private = paths.private.read_bytes() if paths.private and paths.private.exists() else None
    return KeySet(
        private,
        jwks[0]["kid"],
        by_kid,
        tuple(jwks),
        serialization.load_pem_private_key(private, password=None) if private else None,
        {kid: serialization.load_pem_public_key(pem) for kid, pem in by_kid.items()},
    )


def rotate_keys(config: Config) -> KeySet:
    """Make a new current pair; the old public key becomes the previous one.

    auth_api notices the new files and signs with the new key within seconds; the other
    services learn the new kid by themselves (an unknown kid makes them re-read the files).
    """
    paths = key_paths(config)
    if paths.private is None or paths.previous is None:
        raise ConfigError(
            "rotation needs TTS_JWT_PRIVATE_KEY_FILE and TTS_JWT_PREVIOUS_PUBLIC_KEY_FILE"
        )
    with _lock(paths.public.parent):
        old_public = paths.public.read_bytes()
        tmp = paths.previous.with_suffix(".tmp")
        tmp.write_bytes(old_public)
        os.replace(tmp, paths.previous)
        generate_keypair(paths.private, paths.public)
    return load_keyset(paths)


class _lock:
    def __init__(self, directory: Path):
        self.path = directory / ".lock"

    def __enter__(self):
        self.handle = open(self.path, "w")  # closed in __exit__
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        self.handle.close()


def key_paths(config: Config) -> KeyPaths:
    """The key files to use; outside production a key pair is made under var/keys once."""
    if config.jwt_public_key_file is not None:
        return KeyPaths(
            config.jwt_private_key_file,
            config.jwt_public_key_file,
            config.jwt_previous_public_key_file,
        )
    if config.is_production:
        raise ConfigError("TTS_JWT_PUBLIC_KEY_FILE is required in production")
    keys_dir = config.var_dir / "keys"
    private, public = keys_dir / "jwt-private.pem", keys_dir / "jwt-public.pem"
    keys_dir.mkdir(parents=True, exist_ok=True)
    # Several processes may start at once (gunicorn, workers): one makes the pair.
    with _lock(keys_dir):
        if not (private.exists() and public.exists()):
            generate_keypair(private, public)
    return KeyPaths(private, public, keys_dir / "jwt-previous-public.pem")
