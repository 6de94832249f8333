"""JWT parsing: any string presented as an access token verifies or is a 401, nothing else.

Strategies build tokens from the outside in: random text; three base64url segments of
random bytes; a header of random JSON (``alg``/``kid`` of any type) over random claims;
and genuinely signed tokens whose claims are then tampered with."""

from __future__ import annotations

import base64
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from behest.gateway.auth.tokens import Claims, SigningKey, TokenService, new_signing_key
from behest.gateway.errors import AuthenticationFailed

_KID, _PRIVATE = new_signing_key()
SERVICE = TokenService([SigningKey(_KID, _PRIVATE, _PRIVATE.public_key())])
GOOD = SERVICE.mint(Claims("proj_a", "user_1", "sess_1", "key_1", 0), 900)

SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
)
JSON = st.recursive(
    SCALARS,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
    max_leaves=10,
)
HEADER_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "alg": st.sampled_from(["EdDSA", "none", "HS256"]) | JSON,
        "kid": st.just(_KID) | JSON,
        "typ": JSON,
        "crit": JSON,
        "b64": JSON,
    },
)
CLAIM_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        name: JSON | st.integers(-(2**70), 2**70)
        for name in ("iss", "sub", "pid", "sid", "akid", "iat", "nbf", "exp", "tier")
    },
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _json_segment(value: object) -> str:
    return _b64(json.dumps(value).encode())


def _verify(token: str) -> None:
    try:
        claims = SERVICE.verify(token)
    except AuthenticationFailed as error:
        assert error.status == 401 and error.message
        return
    assert isinstance(claims, Claims)


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_any_text_is_a_token_or_a_401(token: str) -> None:
    _verify(token)


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=60), min_size=1, max_size=5))
def test_dotted_base64_of_random_bytes(parts: list[bytes]) -> None:
    _verify(".".join(_b64(part) for part in parts))


@settings(max_examples=400)
@given(HEADER_FIELDS | JSON, CLAIM_FIELDS | JSON, st.binary(max_size=64))
def test_any_header_and_claims_with_a_forged_signature(
    header: object, claims: object, signature: bytes
) -> None:
    _verify(f"{_json_segment(header)}.{_json_segment(claims)}.{_b64(signature)}")


@settings(max_examples=200)
@given(CLAIM_FIELDS)
def test_a_real_signature_over_tampered_claims(claims: dict[str, object]) -> None:
    header, _, signature = GOOD.split(".")
    _verify(f"{header}.{_json_segment(claims)}.{signature}")
