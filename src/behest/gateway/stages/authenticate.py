"""Turns the credentials on a request into a Principal, from the in-process snapshot."""

from __future__ import annotations

import asyncio
import hmac

from behest.gateway.auth import api_keys
from behest.gateway.auth.key_use import KeyUse
from behest.gateway.auth.principal import Principal
from behest.gateway.config.directory import Directory, ProjectView
from behest.gateway.errors import AuthenticationFailed
from behest.gateway.store import ApiKeyRecord

MINT_HINT = (
    "API keys are secrets for your server; mint a short-lived token for the end user with "
    "POST /v1/auth/mint and call /v1 with it. (A project may opt in to server-to-server use "
    "of its API key with the X-End-User-Id header.)"
)
_MAX_ID_LEN = 256
# Argon2 checks running at once: each holds 19 MiB while it runs, and a burst of misses
# (a key's first requests, or its cache entry expiring under load) would otherwise fill
# every thread of the default executor.
ARGON2_AT_ONCE = 2


def bearer(authorization: str | None) -> str:
    if not authorization:
        raise AuthenticationFailed(
            "Missing credentials: send 'Authorization: Bearer <token>'.", code="missing_credentials"
        )
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationFailed("The Authorization header must be 'Bearer <token>'.")
    return token


def check_id(value: str, name: str) -> str:
    if len(value) > _MAX_ID_LEN or not value.isprintable():
        raise AuthenticationFailed(
            f"{name} must be printable and at most {_MAX_ID_LEN} characters."
        )
    return value


class Authenticator:
    def __init__(self, directory: Directory, key_use: KeyUse | None = None) -> None:
        self._directory = directory
        self.key_use = key_use or KeyUse()
        self._argon2 = asyncio.Semaphore(ARGON2_AT_ONCE)
        self._checking: dict[str, asyncio.Future[bool]] = {}  # presented key → its check

    async def api_key(self, token: str) -> tuple[ApiKeyRecord, ProjectView]:
        """A live API key and its project; Argon2 runs only on a cache miss, off the loop."""
        key_id, secret = api_keys.split(token)
        snapshot = self._directory.snapshot
        record = snapshot.api_keys.get(key_id)
        if record is None:
            raise AuthenticationFailed("Incorrect API key provided.")
        if record.revoked:
            raise AuthenticationFailed("This API key has been revoked.", code="revoked_api_key")
        cache = self._directory.key_cache
        cached = cache.get(token)
        if cached is None or not hmac.compare_digest(cached, key_id):
            ok = await self._verified(token, record.secret_hash, secret)
            if not ok:
                raise AuthenticationFailed("Incorrect API key provided.")
            cache.put(token, key_id)
        project = snapshot.projects.get(record.project_id)
        if project is None:
            raise AuthenticationFailed("The API key's project no longer exists.")
        self.key_use.seen(record.id)
        return record, project

    async def _verified(self, token: str, secret_hash: str, secret: str) -> bool:
        """The Argon2 check of a presented key; requests presenting the same key while it
        runs wait for that one check instead of starting their own."""
        check = self._checking.get(token)
        if check is None:
            check = asyncio.ensure_future(self._argon2_check(secret_hash, secret))
            self._checking[token] = check
            check.add_done_callback(lambda _done: self._checking.pop(token, None))
        return await asyncio.shield(check)

    async def _argon2_check(self, secret_hash: str, secret: str) -> bool:
        async with self._argon2:
            return await asyncio.to_thread(api_keys.verify_secret, secret_hash, secret)

    def access_token(self, token: str, ip: str) -> Principal:
        snapshot = self._directory.snapshot
        claims = snapshot.tokens.verify(token)
        key = snapshot.api_keys.get(claims.key_id)
        if key is None or key.project_id != claims.project_id:
            raise AuthenticationFailed(
                "The access token does not belong to this project.", code="invalid_token"
            )
        if key.revoked:
            raise AuthenticationFailed(
                "The API key that minted this token has been revoked.", code="revoked_api_key"
            )
        if claims.project_id not in snapshot.projects:
            raise AuthenticationFailed("The access token's project no longer exists.")
        return Principal(
            claims.project_id,
            claims.user_id,
            claims.session_id,
            "jwt",
            claims.key_id,
            ip,
            claims.tier,
        )

    async def caller(
        self, authorization: str | None, *, end_user: str | None, session: str | None, ip: str
    ) -> Principal:
        """The caller of a ``/v1`` route: an access token, or an opted-in API key."""
        token = bearer(authorization)
        if not api_keys.looks_like_api_key(token):
            principal = self.access_token(token, ip)
            if session and session != principal.session_id:
                raise AuthenticationFailed(
                    "X-Session-Id does not match the access token's session.", code="invalid_token"
                )
            return principal
        record, project = await self.api_key(token)
        if not project.settings.allow_api_key_access:
            raise AuthenticationFailed(MINT_HINT, code="api_key_not_allowed")
        if not end_user:
            raise AuthenticationFailed(
                "Server-to-server calls with an API key must name the end user in X-End-User-Id.",
                code="missing_end_user",
            )
        return Principal(
            project.id,
            check_id(end_user, "X-End-User-Id"),
            check_id(session or "", "X-Session-Id"),
            "api_key",
            record.id,
            ip,
        )
