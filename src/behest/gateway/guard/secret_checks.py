"""Offline checks that tell a real credential from one that only looks like one: GitHub's
and npm's CRC32 token checksums, documentation examples and test fixtures, placeholders,
identifiers, UUIDs and host names assigned to key-like names."""

from __future__ import annotations

import base64
import binascii
import functools
import itertools
import json
import re
import zlib

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CHECKSUMMED = re.compile(r"(?:gh[pousr]|npm)_[A-Za-z0-9]{36}")
# looked for in the lower-cased value (``in`` is many times cheaper than one (?i) pattern)
_EXAMPLE_WORDS = ("example", "xxxx", "fake", "dummy", "sample", "placeholder", "redacted",
                  "changeme", "your", "insert", "replace", "****", "....")  # fmt: skip
_EXAMPLE_SHAPES = re.compile(r"[_-]here\b|<[^>]*>")
_RUN = re.compile(r"(.)\1{5}")  # one character six times over
_SEQUENCES = ("qwerty", "asdfgh")  # keyboard rows; runs of the alphabet are found by _run_of_six
_ENDINGS = re.compile(r"(?i)here$|\.{3}|\.\.$|\u2026")  # "…TokenHere", truncated "eyJhbG..."
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HOST = re.compile(r"(?:[A-Za-z0-9][\w-]*\.)+[A-Za-z]{2,}(?::\d+)?(?:/\S*)?")
_PATH = re.compile(r"(?:~|\.{1,2})?/[\w./-]+|[\w.-]*/[\w./-]*\.[A-Za-z][A-Za-z0-9]{0,4}")
# a member or a dotted name: XSalsa20.key_length, jetbrains.mps.v8_elimination
_DOTTED = re.compile(r"(?!eyJ)[A-Za-z_]\w{0,31}(?:\.[A-Za-z_]\w{0,31})+")
_CONSTANT = re.compile(r"[A-Z][A-Z]*\d?[A-Z]*(?:[_-][A-Z][A-Z]*\d?[A-Z]*)+")  # K8S_CRED, API-KEY


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_SECRET_WORDS = _word_set(
    "key keys apikey apikeys secret secrets token tokens password passwords passwd pwd pass pw "
    "passphrase auth credential credentials creds login crumb unseal pat privatekey accesskey "
    "secretkey authkey accesstoken authtoken apitoken refreshtoken authorization bearer "
    "passwort"
)
# one-word names in capitals or lower case: PGPASSWORD, mysqlpwd, SECRETKEY, APPTOKEN
_SECRET_ENDINGS = ("password", "passwd", "pwd", "secret", "secrets", "apikey", "accesskey",
                   "secretkey", "privatekey", "token", "tokens")  # fmt: skip
# words after the secret word that make the whole name something else (key_name, tokenUrl)
_AFTER = _word_set(
    "name names id ids size length len file path dir type types url uri endpoint version hash "
    "count field label prefix header variable var pressed format index ref env vault location "
    "provider policy mode usage rotation expiry expires expiration ttl store "
    "selector event events schema"
)
# words before it that make it a key of another kind (public_key, cache_key, csrf_token)
_BEFORE = _word_set(
    "public pub publishable csrf xsrf primary foreign sort partition cache schema bucket "
    "lookup idempotency page next continuation pagination sync correlation trace"
)
_DIGIT = re.compile(r"\d")
_IDENTIFIER = re.compile(r"_?[A-Za-z][A-Za-z0-9]*(?:[_.-][A-Za-z0-9]+)*")
_KEBAB_WORDS = re.compile(r"[a-z]+(?:-[a-z]{2,})+")
_WORD_SPLIT = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")

_WORDS = re.compile(r"(?:[A-Z]?[a-z]{2,})+|(?:[a-z]{2,}_)+[a-z]{2,}")
_DOC_JWT_CLAIMS = ('"sub":"1234567890"', '"name":"John Doe"')


def base62_value(text: str) -> int:
    value = 0
    for char in text:
        value = value * 62 + _BASE62.index(char)
    return value


def checksum_ok(token: str) -> bool:
    """A GitHub (``ghp_``, ``gho_``…) or npm token's last 6 characters are the base62 CRC32
    of the 30 before them; tokens of other shapes are not checked (``True``)."""
    if not _CHECKSUMMED.fullmatch(token):
        return True
    return base62_value(token[-6:]) == zlib.crc32(token[4:-6].encode())


def looks_like_example(value: str) -> bool:
    """Placeholders, documentation examples and fixtures: ``AKIAIOSFODNN7EXAMPLE``,
    ``sk-xxxxxxxx``, ``your-key-here``, ``…TokenHere``, truncated ``ops_eyJzaW...``,
    ``1234567…`` or ``klmnopq`` (a run of the alphabet), one character over and over."""
    lowered = value.lower()
    return bool(
        any(word in lowered for word in _EXAMPLE_WORDS)
        or _EXAMPLE_SHAPES.search(lowered)
        or _RUN.search(value)
        or _ENDINGS.search(value)
        or any(seq in lowered for seq in _SEQUENCES)
        or _run_of_six(lowered)
        or _documentation_jwt(value)
    )


def _steps(step: int) -> bytes:
    """A ``bytes.translate`` table: each ASCII letter or digit to the one ``step`` after it
    (``a`` -> ``b``), anything else to NUL, which no lower-cased text byte equals."""
    table = bytearray(256)
    for run in ("abcdefghijklmnopqrstuvwxyz", "0123456789"):
        for a, b in itertools.pairwise(run):
            if step > 0:
                table[ord(a)] = ord(b)
            else:
                table[ord(b)] = ord(a)
    return bytes(table)


_UP, _DOWN = _steps(1), _steps(-1)
_FIVE_STEPS = b"\0" * 5


def _run_of_six(lowered: str) -> bool:
    """Six letters or digits in a row that go up or down by one (``456789``, ``klmnop``) in a
    lower-cased value: a random key holds one about once in a billion positions, a
    hand-made example often. Byte by byte, ``value[i + 1]`` equals the successor of
    ``value[i]`` where the XOR of the two shifted strings is NUL; five NULs in a row are a
    run of six."""
    raw = lowered.encode("latin-1", "replace").replace(b"\0", b"?")
    if len(raw) < 6:
        return False
    head, tail = raw[:-1], int.from_bytes(raw[1:], "big")
    for table in (_UP, _DOWN):
        diff = int.from_bytes(head.translate(table), "big") ^ tail
        if _FIVE_STEPS in diff.to_bytes(len(head), "big"):
            return True
    return False


def _random_part(part: str) -> bool:
    """A dotted value's part that is a key, not a name (``Z4bTMtngfLeQ18AqVoBBkUAOD1``)."""
    return (
        len(part) >= 12 and _DIGIT.search(part) is not None and part.lower() != part != part.upper()
    )


def name_words(name: str) -> list[str]:
    """``serviceAccountToken`` -> ``["service", "account", "token"]``."""
    return [w.lower() for w in _WORD_SPLIT.findall(name)]


@functools.lru_cache(maxsize=4096)  # the same few names come back in every request
def secret_name(name: str) -> bool:
    """Whether an identifier names a credential: one of its words is a secret word
    (``api_key``, ``OP_SERVICE_ACCOUNT_TOKEN``; not ``keyword``, ``monkeys``, ``keytab``),
    no word after the last one turns it into something else (``key_name``, ``token_url``,
    ``credentialsId``), and no word before says another kind of key (``public_key``,
    ``cache_key``, ``csrf-token``)."""
    words = name_words(name)
    hits = [i for i, word in enumerate(words) if _secret_word(word)]
    if not hits:
        return False
    last = hits[-1]
    return _AFTER.isdisjoint(words[last + 1 :]) and _BEFORE.isdisjoint(words[:last])


def _secret_word(word: str) -> bool:
    if word in _SECRET_WORDS:
        return True
    return word.endswith(_SECRET_ENDINGS) and not word.endswith("webtoken")  # jsonwebtoken


def structure_ok(token: str) -> bool:
    """Offline checks of a provider token's published structure; tokens of shapes not
    checked here pass (``True``).

    - Slack ``xox?-``: a team number of 8+ digits first, or a one-digit version and a long
      body (``xoxe-1-…``); ``xoxb-12345-abcd234`` is neither.
    - AWS key ids: the 16 characters after the prefix are base32 (``A-Z2-7``).
    - JWTs: the header decodes to a JSON object naming its ``alg``.
    - PEM private keys: a body of at least 16 base64 characters (not "anything").
    - A prefixed token whose body is words alone (``hf_requiredCharacteristicTypes…``,
      ``sk-bench-litellm-master``)."""
    if token.startswith("xox"):
        return bool(re.match(r"xox[a-z]-(?:\d{8,}-|\d-[A-Za-z0-9]{20,})", token))
    if re.fullmatch(r"A[A-Z]{3}[A-Z0-9]{16}", token):
        return bool(re.fullmatch(r"[A-Z2-7]{16}", token[4:]))
    if token.startswith("eyJ"):
        return _jwt_header_ok(token.split(".", 1)[0])
    if token.startswith("-----BEGIN"):
        body = re.sub(r"-----[A-Z ]+-----|[A-Za-z-]+: .*|\s", "", token)
        return len(re.sub(r"[^A-Za-z0-9+/=]", "", body)) >= 16
    body = re.split(r"[_-]", token, maxsplit=1)[-1]
    words = _WORDS.fullmatch(body) or _KEBAB_WORDS.fullmatch(body)
    return not (len(body) >= 20 and words and not re.search(r"\d", body))


def _jwt_header_ok(segment: str) -> bool:
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error):
        return False
    return isinstance(header, dict) and "alg" in header


def _documentation_jwt(value: str) -> bool:
    if not value.startswith("eyJ") or value.count(".") < 2:
        return False
    payload = value.split(".")[1]
    try:
        claims = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    except ValueError:
        return False
    claims = claims.replace(" ", "")
    return any(claim in claims for claim in _DOC_JWT_CLAIMS)


def not_a_credential(value: str, name: str) -> bool:
    """A value assigned to a key-like name that is plainly something else: a UUID under a
    name that does not say secret or password, a host name or link without credentials, or
    an identifier made of words (``FromEmailAddress``, ``smtp_username``)."""
    lowered = name.lower()
    strong = any(word in lowered for word in ("secret", "passw", "pwd", "api"))
    if _UUID.fullmatch(value) and not strong:
        return True
    if ("://" in value and "@" not in value) or _HOST.fullmatch(value):
        return True
    if _PATH.fullmatch(value) and "+" not in value and "=" not in value:
        return True  # a file: /tmp/app.keytab, env/cert.p12
    if (_DOTTED.fullmatch(value) and not any(map(_random_part, value.split(".")))) or (
        _CONSTANT.fullmatch(value)
    ):
        return True  # a reference to a member or a constant, not a literal
    if _variable_name(value):
        return True  # another variable's or a type's name: chain_Anvil2_Key, Ed25519PrivateKey
    if _KEBAB_WORDS.fullmatch(value):
        return True  # words joined by dashes: sk-bench-upstream, my-bot-token
    bare = value.lstrip("_")
    return bool(_WORDS.fullmatch(bare)) and not any(c.isdigit() for c in bare)  # _ScanKey


def _variable_name(value: str) -> bool:
    """A name ending in a secret word, made of words (no one-letter pieces): the value is
    another variable (``DYNATRACE_API_KEY``) or a type (``Ed25519PrivateKey``)."""
    if not _IDENTIFIER.fullmatch(value):
        return False
    words = name_words(value)
    return (
        len(words) >= 2
        and _secret_word(words[-1])
        and all(len(word) >= 2 for word in words if not word.isdigit())
    )
