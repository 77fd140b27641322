"""RS256 signing keys: loading, development generation, and the JWKS document."""

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


def key_paths(config: Config) -> KeyPaths:
    """The key files to use; outside production a key pair is made under var/keys once."""
    if config.jwt_public_key_file is not None:
        return KeyPaths(config.jwt_private_key_file, config.jwt_public_key_file)
    if config.is_production:
        raise ConfigError("TTS_JWT_PUBLIC_KEY_FILE is required in production")
    keys_dir = config.var_dir / "keys"
    private, public = keys_dir / "jwt-private.pem", keys_dir / "jwt-public.pem"
    keys_dir.mkdir(parents=True, exist_ok=True)
    # Several processes may start at once (gunicorn, workers): one makes the pair.
    with open(keys_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (private.exists() and public.exists()):
            generate_keypair(private, public)
    return KeyPaths(private, public)
