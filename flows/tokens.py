"""Invite tokens: random, URL-safe, fit a /start payload (≤ 64 chars of A-Za-z0-9_-), stored only as a hash."""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 18  # 144 bits -> 24 characters
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """SHA-256 is enough: tokens are long random strings, so there is nothing to brute-force from the hash."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def looks_like_token(payload: str | None) -> bool:
    return bool(payload) and TOKEN_PATTERN.fullmatch(payload or "") is not None
