"""Access tokens: what verifies, and every forgery that must not."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from behest.gateway.auth.tokens import MAX_TTL_S, Claims, SigningKey, TokenService, new_signing_key
from behest.gateway.errors import AuthenticationFailed

CLAIMS = Claims("proj_a", "user_1", "sess_1", "key_1", 0)


def _service(*extra: SigningKey) -> tuple[TokenService, SigningKey]:
    kid, private = new_signing_key()
    key = SigningKey(kid, private, private.public_key())
    return TokenService([*extra, key]), key


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_a_minted_token_verifies_with_its_claims() -> None:
    service, _ = _service()
    claims = service.verify(service.mint(CLAIMS, 900))
    assert (claims.project_id, claims.user_id, claims.session_id, claims.key_id) == (
        "proj_a",
        "user_1",
        "sess_1",
        "key_1",
    )
    assert claims.expires_at - time.time() == pytest.approx(900, abs=5)


def test_header_names_the_key_and_the_one_algorithm() -> None:
    service, key = _service()
    header = jwt.get_unverified_header(service.mint(CLAIMS, 900))
    assert header["alg"] == "EdDSA" and header["kid"] == key.kid


def test_alg_none_is_rejected() -> None:
    service, key = _service()
    payload = jwt.decode(service.mint(CLAIMS, 900), options={"verify_signature": False})
    forged = f"{_b64({'alg': 'none', 'kid': key.kid})}.{_b64(payload)}."
    with pytest.raises(AuthenticationFailed, match="EdDSA"):
        service.verify(forged)


def test_hmac_signed_with_the_public_key_is_rejected() -> None:
    service, key = _service()
    payload = jwt.decode(service.mint(CLAIMS, 900), options={"verify_signature": False})
    forged = jwt.encode(payload, b"x" * 32, algorithm="HS256", headers={"kid": key.kid})
    with pytest.raises(AuthenticationFailed, match="EdDSA"):
        service.verify(forged)


def test_expired_token_says_to_mint_again() -> None:
    service, _ = _service()
    token = service.mint(CLAIMS, 60, now=time.time() - 3600)
    with pytest.raises(AuthenticationFailed, match="expired") as info:
        service.verify(token)
    assert info.value.code == "token_expired"


def test_not_yet_valid_token_is_rejected() -> None:
    service, _ = _service()
    with pytest.raises(AuthenticationFailed, match="not valid yet"):
        service.verify(service.mint(CLAIMS, 900, now=time.time() + 3600))


def test_tampered_payload_is_rejected() -> None:
    service, _ = _service()
    header, payload, signature = service.mint(CLAIMS, 900).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["pid"] = "proj_other"
    with pytest.raises(AuthenticationFailed, match="signature"):
        service.verify(f"{header}.{_b64(claims)}.{signature}")


def test_a_token_signed_by_a_foreign_key_with_a_known_kid_is_rejected() -> None:
    service, key = _service()
    payload = jwt.decode(service.mint(CLAIMS, 900), options={"verify_signature": False})
    forged = jwt.encode(
        payload, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": key.kid}
    )
    with pytest.raises(AuthenticationFailed, match="signature"):
        service.verify(forged)


def test_garbage_and_unknown_kid_are_rejected() -> None:
    service, _ = _service()
    with pytest.raises(AuthenticationFailed, match="malformed"):
        service.verify("not-a-jwt")
    other, _ = _service()
    with pytest.raises(AuthenticationFailed, match="unknown"):
        service.verify(other.mint(CLAIMS, 900))


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "EdDSA", "kid": {"nested": 1}},
        {"alg": "EdDSA", "kid": 7},
        {"alg": "EdDSA", "kid": ["a"]},
        {"alg": ["EdDSA"], "kid": "k"},
    ],
)
def test_header_fields_of_the_wrong_type_are_a_401_not_a_crash(header: dict[str, object]) -> None:
    service, _ = _service()
    payload = jwt.decode(service.mint(CLAIMS, 900), options={"verify_signature": False})
    forged = f"{_b64(header)}.{_b64(payload)}.c2ln"
    with pytest.raises(AuthenticationFailed):
        service.verify(forged)


def test_rotation_keeps_old_tokens_valid_until_the_old_key_ages_out() -> None:
    old_kid, old_private = new_signing_key()
    old = SigningKey(old_kid, old_private, old_private.public_key())
    token = TokenService([old]).mint(CLAIMS, 900)
    retired = SigningKey(old_kid, old_private, old_private.public_key(), datetime.now(UTC))
    rotated, new = _service(retired)
    assert rotated.verify(token).user_id == "user_1"
    assert jwt.get_unverified_header(rotated.mint(CLAIMS, 900))["kid"] == new.kid
    assert {k["kid"] for k in rotated.jwks()["keys"]} == {old_kid, new.kid}
    long_ago = datetime.now(UTC) - timedelta(seconds=MAX_TTL_S + 60)
    aged, _ = _service(SigningKey(old_kid, old_private, old_private.public_key(), long_ago))
    assert old_kid not in {k["kid"] for k in aged.jwks()["keys"]}
    with pytest.raises(AuthenticationFailed, match="unknown or expired"):
        aged.verify(token)


def test_jwks_publishes_okp_ed25519_keys_that_verify_tokens() -> None:
    service, key = _service()
    jwk = service.jwks()["keys"][0]
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["kid"]) == ("OKP", "Ed25519", "EdDSA", key.kid)
    public = jwt.PyJWK(jwk).key
    decoded = jwt.decode(service.mint(CLAIMS, 900), public, algorithms=["EdDSA"], issuer="behest")
    assert decoded["sub"] == "user_1"


def test_verified_tokens_are_remembered_by_digest_not_kept() -> None:
    kid, private = new_signing_key()
    verified: dict[bytes, Claims] = {}
    service = TokenService([SigningKey(kid, private, private.public_key())], verified)
    token = service.mint(CLAIMS, 900)

    first = service.verify(token)

    assert len(verified) == 1
    assert all(len(digest) == 16 and token.encode() not in digest for digest in verified)
    assert service.verify(token) is first  # answered from the cache
    other = service.mint(CLAIMS, 900)
    assert service.verify(other) is not first
    assert len(verified) == 2
