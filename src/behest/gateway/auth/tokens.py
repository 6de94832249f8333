"""Per-end-user access tokens: JWTs signed with Ed25519 (``alg: EdDSA``) only.

Claims: ``iss`` behest, ``sub`` end user, ``pid`` project, ``sid`` session, ``akid``
the API key that minted it (revoking the key revokes its tokens), ``iat``/``nbf``/``exp``,
``jti``; the header names the signing key in ``kid``. Keys rotate: a retired key stops
signing but still verifies until every token it signed has expired.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from behest.gateway.errors import AuthenticationFailed

ISSUER = "behest"
ALGORITHM = "EdDSA"
MAX_TTL_S = 24 * 3600
_LEEWAY_S = 5


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    private: Ed25519PrivateKey | None
    public: Ed25519PublicKey
    retired_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Claims:
    project_id: str
    user_id: str
    session_id: str
    key_id: str
    expires_at: int
    tier: str = ""


def new_signing_key() -> tuple[str, Ed25519PrivateKey]:
    return "k_" + secrets.token_hex(8), Ed25519PrivateKey.generate()


def private_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_raw_b64(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def load_private(pem: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("signing keys are Ed25519")
    return key


def load_public(raw_b64: str) -> Ed25519PublicKey:
    raw = base64.urlsafe_b64decode(raw_b64 + "=" * (-len(raw_b64) % 4))
    return Ed25519PublicKey.from_public_bytes(raw)


class TokenService:
    """Signs with the newest active key; verifies with every key still in its window."""

    def __init__(
        self, keys: Iterable[SigningKey], verified: dict[bytes, Claims] | None = None
    ) -> None:
        self._keys = {key.kid: key for key in keys}
        active = [key for key in self._keys.values() if key.retired_at is None and key.private]
        self._active = active[-1] if active else None
        # Shared across configuration reloads: a signature, once checked, stays checked
        # until the token expires (revocation is checked per request by the caller). Kept
        # under a 16-byte digest of the token, not the token (some 400 bytes each).
        self._verified: dict[bytes, Claims] = {} if verified is None else verified

    def jwks(self) -> dict[str, Any]:
        now = time.time()
        return {"keys": [_jwk(key) for key in self._keys.values() if _verifies(key, now)]}

    def mint(self, claims: Claims, ttl_s: int, *, now: float | None = None) -> str:
        if self._active is None or self._active.private is None:
            raise AuthenticationFailed("The gateway has no active signing key.")
        issued = int(now if now is not None else time.time())
        payload = {
            "iss": ISSUER,
            "sub": claims.user_id,
            "pid": claims.project_id,
            "sid": claims.session_id,
            "akid": claims.key_id,
            "iat": issued,
            "nbf": issued,
            "exp": issued + ttl_s,
            "jti": secrets.token_urlsafe(12),
        }
        if claims.tier:
            payload["tier"] = claims.tier
        return jwt.encode(
            payload, self._active.private, algorithm=ALGORITHM, headers={"kid": self._active.kid}
        )

    def verify(self, token: str) -> Claims:
        digest = hashlib.blake2b(token.encode(), digest_size=16).digest()
        cached = self._verified.get(digest)
        if cached is not None and cached.expires_at > time.time():
            return cached
        claims = self._verify_uncached(token)
        if len(self._verified) > 50_000:
            self._verified.clear()
        self._verified[digest] = claims
        return claims

    def _verify_uncached(self, token: str) -> Claims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:  # undecodable, or a header field of the wrong type
            raise AuthenticationFailed(
                "The access token is malformed.", code="invalid_token"
            ) from exc
        if header.get("alg") != ALGORITHM:
            raise AuthenticationFailed(
                f"Access tokens must be signed with {ALGORITHM}; got {header.get('alg')!r}.",
                code="invalid_token",
            )
        key = self._keys.get(str(header.get("kid")))
        if key is None or not _verifies(key, time.time()):
            raise AuthenticationFailed(
                "The access token was signed with an unknown or expired key.", code="invalid_token"
            )
        payload = _decode(token, key.public)
        return Claims(
            project_id=str(payload["pid"]),
            user_id=str(payload["sub"]),
            session_id=str(payload.get("sid") or ""),
            key_id=str(payload.get("akid") or ""),
            expires_at=int(payload["exp"]),
            tier=str(payload.get("tier") or ""),
        )


def _decode(token: str, public: Ed25519PublicKey) -> dict[str, Any]:
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            public,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            leeway=_LEEWAY_S,
            options={"require": ["exp", "iat", "nbf", "sub", "pid"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise AuthenticationFailed(
            "The access token has expired; mint a new one with POST /v1/auth/mint.",
            code="token_expired",
        ) from exc
    except jwt.ImmatureSignatureError as exc:
        raise AuthenticationFailed(
            "The access token is not valid yet.", code="invalid_token"
        ) from exc
    except jwt.InvalidSignatureError as exc:
        raise AuthenticationFailed(
            "The access token's signature does not verify.", code="invalid_token"
        ) from exc
    except jwt.PyJWTError as exc:
        raise AuthenticationFailed(
            f"The access token is invalid: {exc}.", code="invalid_token"
        ) from exc
    return payload


def _verifies(key: SigningKey, now: float) -> bool:
    return key.retired_at is None or key.retired_at.timestamp() + MAX_TTL_S > now


def _jwk(key: SigningKey) -> dict[str, str]:
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "alg": ALGORITHM,
        "use": "sig",
        "kid": key.kid,
        "x": public_raw_b64(key.public),
    }
