# ruff: noqa: E501  (long regular expressions; typographic apostrophes are matched on purpose)
"""Secrets: provider keys by their published prefixes and shapes, plus credentials assigned
to a suspicious name (``api_key = "…"``) whose value looks random (Shannon entropy).

``detect_secrets(text) -> list[Finding]`` with type ``SECRET``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator

from behest.gateway.guard.findings import Finding, resolve_overlaps
from behest.gateway.guard.literals import LiteralIndex, Occurrences
from behest.gateway.guard.secret_checks import (
    checksum_ok,
    looks_like_example,
    not_a_credential,
    secret_name,
    structure_ok,
)
from behest.gateway.guard.windows import lowered

_B = r"(?<![A-Za-z0-9_-])"  # token start
_E = r"(?![A-Za-z0-9_-])"  # token end
_KNOWN = re.compile(
    "|".join(
        [
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[A-Za-z0-9+/=\s:,-]{0,4000}?(?:-----END[A-Z ]*-----|$)",
            r"LS0tLS1CRUdJTi[A-Za-z0-9+/=]{20,}",  # base64 of a PEM header
            rf"{_B}sk-(?:ant-|proj-|svcacct-|admin-)?[A-Za-z0-9_-]{{20,}}{_E}",
            rf"{_B}(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{{16}}{_E}",
            rf"{_B}gh[pousr]_[A-Za-z0-9]{{36,}}{_E}|{_B}github_pat_[A-Za-z0-9_]{{60,}}{_E}",
            rf"{_B}gl(?:pat|ptt|dt|rt|cbt|soat|ft|imt|agent)-[A-Za-z0-9_-]{{20,}}{_E}",
            rf"{_B}xox[abposre]-[A-Za-z0-9-]{{10,}}{_E}|{_B}xapp-\d-?[A-Za-z0-9/-]{{10,}}",
            r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{20,}",
            rf"{_B}(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{{16,}}{_E}",  # pk_: publishable, public by design
            rf"{_B}AIza[0-9A-Za-z_-]{{35}}{_E}|{_B}ya29\.[0-9A-Za-z_-]{{20,}}",
            rf"{_B}GOCSPX-[A-Za-z0-9_-]{{20,}}{_E}",
            rf"{_B}hf_[A-Za-z0-9]{{30,}}{_E}|{_B}dckr_pat_[A-Za-z0-9_-]{{20,}}{_E}",
            rf"{_B}npm_[A-Za-z0-9]{{36}}{_E}|{_B}pypi-AgE[A-Za-z0-9_-]{{50,}}",
            r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b",
            rf"{_B}do[opr]_v1_[a-f0-9]{{64}}{_E}|{_B}dp\.(?:st|ct|pt|sa|scim|audit)\.[A-Za-z0-9._-]{{30,}}",
            rf"{_B}odt_[A-Za-z0-9]{{32,}}{_E}|{_B}dapi[a-f0-9]{{32}}(?:-\d)?{_E}",
            rf"{_B}shp(?:at|ca|pa|ss)_[a-fA-F0-9]{{32}}{_E}|AGE-SECRET-KEY-1[0-9A-Z]{{58}}",
            rf"{_B}gl(?:c|sa)_[A-Za-z0-9_+/=-]{{32,}}{_E}|{_B}hvs\.[A-Za-z0-9_-]{{24,}}{_E}|{_B}hvb\.[A-Za-z0-9_-]{{100,}}{_E}",
            rf"{_B}sq0(?:csp|atp|idp)-[A-Za-z0-9_-]{{22,}}{_E}|{_B}EAA[A-Za-z0-9]{{80,}}{_E}",
            rf"{_B}(?:SK|AC)[0-9a-f]{{32}}{_E}|{_B}[0-9a-f]{{32}}-us\d{{1,2}}{_E}",
            rf"{_B}NRI[QK]-[A-Za-z0-9_-]{{32}}{_E}|{_B}px-dep-[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}{_E}",
            rf"{_B}(?:pscale|lin_api|sntrys|sntryu|shpat|rubygems|pul|CFPAT|FLWSECK|xkeysib)_[A-Za-z0-9_-]{{24,}}{_E}",
            rf"{_B}eyJ[A-Za-z0-9_-]{{10,}}\.eyJ[A-Za-z0-9_-]{{10,}}\.[A-Za-z0-9_-]{{10,}}{_E}",
            rf"{_B}sk\.eyJ[A-Za-z0-9_-]{{20,}}\.[A-Za-z0-9_-]{{10,}}{_E}",
            r"\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}|\$1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}",
            r"\$(?:8|9)\$[./A-Za-z0-9]{14}\$[./A-Za-z0-9]{43}|\$(?:5|6)\$[^$\s]{1,16}\$[./A-Za-z0-9]{43,86}",
            r"\b00D[A-Za-z0-9]{12}![A-Za-z0-9._]{60,}",
            r"\b[a-z][a-z0-9+.-]{1,20}://[^\s:/@'\"]{1,64}:[^\s:/@'\"$<{]{3,128}@[\w.-]+",
            rf"{_B}[0-9a-z]{{6}}\.[0-9a-z]{{16}}{_E}(?=.*(?:kubeadm|token))",
        ]
    )
)
# Every _KNOWN match starts at one of these literals, or at a fixed distance before one
# (``literal -> offsets``); trying the pattern only there finds what a full scan does.
_KNOWN_STARTS: tuple[tuple[str, tuple[int, ...]], ...] = (
    *((lit, (0,)) for lit in (
        "-----BEGIN ", "LS0tLS1CRUdJTi", "sk-", "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA",
        "ANVA", "AIPA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "glptt-",
        "gldt-", "glrt-", "glcbt-", "glsoat-", "glft-", "glimt-", "glagent-", "xox", "xapp-",
        "https://hooks.slack.com/", "AIza", "ya29.", "GOCSPX-", "hf_", "dckr_pat_", "npm_",
        "pypi-AgE", "SG.", "dp.", "odt_", "dapi", "shp", "AGE-SECRET-KEY-1", "glc_", "glsa_",
        "hvs.", "hvb.", "sq0", "EAA", "SK", "AC", "NRI", "px-dep-", "pscale_", "lin_api_",
        "sntrys_", "sntryu_", "rubygems_", "pul_", "CFPAT_", "FLWSECK_", "xkeysib_", "eyJ",
        "sk.eyJ", "$", "00D",
    )),
    ("_live_", (2,)), ("_test_", (2,)), ("_v1_", (3,)), ("-us", (32,)),
    ("://", tuple(range(2, 22))),
)  # fmt: skip
# prefixes that end in a separator name one provider's token: a value that starts with one
# but does not have that token's shape is no such token (and no other credential either)
_SEPARATED_PREFIXES = tuple(
    lit for lit, offsets in _KNOWN_STARTS if offsets == (0,) and len(lit) >= 4 and lit[-1] in "_-."
)
_KUBEADM_TRIGGERS = ("kubeadm", "token")  # the lookahead of the kubeadm token pattern
_NAME = (
    r"(?:api[_-]?key|apikey|secret|token|passw(?:or)?d|passwd|pwd|pass|auth|credential|"
    r"private[_-]?key|access[_-]?key|client[_-]?secret|login|crumb|unseal|privatekey|[_.-]pat\b|key)"
)
_NAME_RE = re.compile(rf"(?i){_NAME}")
# Every _NAME match holds one of these (lower-cased) at most 8 characters from its start.
_NAME_CORES = ("key", "secret", "token", "pass", "pwd", "auth", "credential", "login", "crumb",
               "unseal", "pat")  # fmt: skip
_NAME_REACH = 8
# Characters that case-insensitive matching relates to ASCII letters but ``str.lower`` does
# not map to one (or changes length): with one of them present, scan the text in full.
_FOLD_ODDITIES = ("\u0130", "\u0131", "\u017f", "\u212a")
# separators: = : := => , and Make's ::= :::= ?=, PHP's .=, a Go type (``var t string =``);
# quotes: ' " and Go's raw `…`
_VALUE = re.compile(
    r"[\w.-]{0,40}['\"]?(?:\s+string(?=\s*=))?\s*(?::{1,3}=|[?.]=|=>|[:=]|,|\s)\s*"
    r"(?:\(?['\"`](?P<q>[^'\"`\n]{6,200})['\"`]|(?P<b>[^\s'\"`,;)(<>{}\[\]]{6,200}))"
)
_BEARER = re.compile(
    r"(?i)\b(?:bearer|token)\s+(?P<v>[A-Za-z0-9._~+/=-]{20,})|\s-u\s+[^\s:]+:(?P<u>\S{8,})"
)
# a password stated in prose: "the password for user 'postgres' is 'admin'"
_PROSE_PASSWORD = re.compile(
    r"(?i)\bpassword\b(?: for (?:the )?(?:user|account|login) [\"']?[\w.@-]+[\"']?)? (?:is|was|should be) [\"'](?P<v>[^\"'\s]{3,64})[\"']"
)
_FILE_NAME = re.compile(r"[\w.-]*/?[\w-]+\.(?:json|ya?ml|toml|ini|cfg|conf|txt|py|js|ts|xml)")
_CLI_PASSWORD = re.compile(r"(?:^|\s)-(?:p|P|-password)[\s=]+(?P<v>[^\s'\"-][^\s'\"]{3,})")
_PLACEHOLDER_VALUE = re.compile(
    r"(?i)^(?:\$\{?[\w.:-]+\}?(?:/\S*)?|\$\{\{.*\}\}|\$\(.*\)|%[\w]+%|<[^>]*>|\{\{.*\}\}|env\(.*|process\.env.*|os\.environ.*"
    r"|your[_-]?\w*|env\.\S*|x{4,}.*|\*{3,}|.*(?:here|example|placeholder|changeme|dummy|"
    r"sample|redacted|xxxx|todo|null|none|true|false|undefined).*)$"
)


_CHAR_CLASSES = tuple(re.compile(p) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
_HEX_OR_UUID = re.compile(r"[a-f0-9-]+")
_SEPARATOR_SIGN = re.compile(r"[:=,>]")
_NEXT_PAIR = re.compile(r"[A-Za-z_][\w.-]*=[^=]")  # the value is the next key=value pair
_NEXT_KEY = re.compile(r"[A-Za-z_][A-Za-z_.-]*[:=]")  # or the next key (no digits: not base64)
_PASSWORD_NAME = re.compile(r"(?i)passw|pwd")


def shannon_entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


def _random_looking(value: str) -> bool:
    if _PLACEHOLDER_VALUE.match(value) or " " in value.strip():
        return False
    classes = sum(p.search(value) is not None for p in _CHAR_CLASSES)
    if len(value) >= 16 and _HEX_OR_UUID.fullmatch(value):
        return True  # hex keys and UUID-shaped tokens
    return classes >= 2 and shannon_entropy(value) >= (3.0 if len(value) < 20 else 3.5)


def _names(
    text: str, lowered: str | None = None, cores: Occurrences | None = None
) -> Iterator[re.Match[str]]:
    """``_NAME_RE.finditer(text)``, trying the pattern only a little before each core word
    (``cores``: ``_NAME_CORE_INDEX.scan(lowered)``, ``lowered``: ``text.lower()``)."""
    if any(odd in text for odd in _FOLD_ODDITIES):
        yield from _NAME_RE.finditer(text)
        return
    if cores is None:
        cores = _NAME_CORE_INDEX.scan(text.lower() if lowered is None else lowered)
    starts = {
        start
        for core in _NAME_CORES
        if core in cores
        for at in _starts(cores, core)
        for start in range(max(0, at - _NAME_REACH), at + 1)
    }
    end = 0
    for start in sorted(starts):
        if start >= end and (m := _NAME_RE.match(text, start)):
            yield m
            end = m.end()


def _may_hold_bearer(text: str, lowered: str, cores: Occurrences | None = None) -> bool:
    """Whether ``_BEARER`` can match: it needs "bearer", "token" or "-u" (any case)."""
    cores = _NAME_CORE_INDEX.scan(lowered) if cores is None else cores
    return any(word in cores for word in _BEARER_WORDS) or any(
        odd in text for odd in _FOLD_ODDITIES
    )


def _assigned(text: str, lowered: str, cores: Occurrences | None = None) -> list[Finding]:
    """``lowered``: ``text.lower()``; ``cores``: ``_NAME_CORE_INDEX.scan(lowered)``."""
    cores = _NAME_CORE_INDEX.scan(lowered) if cores is None else cores
    found = []
    for name in _names(text, lowered, cores):
        m = _VALUE.match(text, name.end())
        if m is None:
            continue
        group = "q" if m.group("q") is not None else "b"
        value = m.group(group)
        separator = text[name.end() : m.start(group)]
        if not _SEPARATOR_SIGN.search(separator) and len(value) < 16:
            continue
        if _not_this_value(text, name, m, group):
            continue
        if (
            looks_like_example(value)
            or _example_context(text, name.start())
            or (not_a_credential(value, name.group()) and not _password_like(name.group(), value))
        ):
            continue
        if _random_looking(value) or _password_like(name.group(), value):
            found.append(Finding(m.start(group), m.end(group), "SECRET", 0.7))
    for m in _BEARER.finditer(text) if _may_hold_bearer(text, lowered, cores) else ():
        group = "v" if m.group("v") is not None else "u"
        if _PLACEHOLDER_VALUE.match(m.group(group).strip("\"'")):
            continue
        if _random_looking(m.group(group)) and not looks_like_example(m.group(group)):
            found.append(Finding(m.start(group), m.end(group), "SECRET", 0.7))
    return found


def _not_this_value(text: str, name: re.Match[str], value: re.Match[str], group: str) -> bool:
    """Whether the value after a key-like name is plainly no credential of that name: the
    value is empty (the next line), the name names something else (``key_name``,
    ``public_key``, ``monkeys``), the value repeats the name, is the next ``key=value`` pair,
    the next key (``subject:``) or a call (``_admin_key(request)``), follows a comma after a
    name that is not a quoted string (``keys: KeySpace, subject``; ``setProperty("API_KEY",
    "…")`` is one), or has a provider's prefix or shape but not its structure."""
    start, end = _identifier(text, name.start(), name.end())
    identifier, literal = text[start:end], value.group(group)
    separator = text[min(max(end, name.end()), value.start(group)) : value.start(group)]
    if "\n" in separator or not secret_name(identifier) or _alnum(literal) in _alnum(identifier):
        return True
    if separator.strip(" \t'\"") == "," and not _quoted(text, start, end):
        return True
    if group == "b" and (
        _NEXT_PAIR.match(literal)
        or _NEXT_KEY.fullmatch(literal)
        or text.startswith("(", value.end(group))
    ):
        return True
    if (known := _KNOWN.fullmatch(literal)) is not None:
        return not _verified(known)  # a provider's shape with a wrong structure or checksum
    return literal.startswith(_SEPARATED_PREFIXES)  # a provider's prefix, a body of another shape


def _quoted(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a whole string literal (``"API_KEY"``)."""
    return start > 0 and end < len(text) and text[start - 1] == text[end] and text[end] in "'\""


_IDENTIFIER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_IDENTIFIER_TAIL = re.compile(r"[A-Za-z0-9_.-]*")
_NOT_ALNUM = re.compile(r"[\W_]+")


def _identifier(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the whole name a ``_NAME`` match is part of lies (``passwordVariable``,
    ``monkeys-audio``)."""
    while start > 0 and text[start - 1] in _IDENTIFIER_CHARS:
        start -= 1
    tail = _IDENTIFIER_TAIL.match(text, end)  # matches the empty string at worst
    return start, tail.end() if tail else end


def _alnum(value: str) -> str:
    return _NOT_ALNUM.sub("", value.lower())


_EXAMPLE_CONTEXT = re.compile(r"(?i)example|dummy|fake|mock|sample|placeholder")


def _example_context(text: str, at: int) -> bool:
    """The name, or the line before it, says the value is an example (``FAKE_API_KEY =``)."""
    line_start = text.rfind("\n", 0, at) + 1
    return bool(_EXAMPLE_CONTEXT.search(text, max(line_start, at - 40), at + 24))


def _password_like(assignment: str, value: str) -> bool:
    """A quoted value given to a password field, even a weak one (``password = 'hunter2!'``)."""
    return bool(_PASSWORD_NAME.search(assignment)) and not _PLACEHOLDER_VALUE.match(value)


def _known(text: str, found: Occurrences | None = None) -> Iterator[re.Match[str]]:
    """``_KNOWN.finditer(text)``, trying the pattern only where a match can start
    (``found``: ``_KNOWN_INDEX.scan(text)``)."""
    found = _KNOWN_INDEX.scan(text) if found is None else found
    starts = {
        at - k
        for literal, offsets in _KNOWN_STARTS
        if literal in found
        for at in _starts(found, literal)
        for k in offsets
    }
    if any(t in found for t in _KUBEADM_TRIGGERS):  # "<6>.<16>" tokens start 6 before a dot
        starts.update(at - 6 for at in _finds(text, "."))
    end = 0
    for start in sorted(starts):
        if start < end or start < 0:
            continue
        m = _KNOWN.match(text, start)
        if m:
            yield m
            end = m.end()


def _starts(found: Occurrences, literal: str) -> Iterable[int]:
    """Every start of ``literal``, an indexed literal present in the scanned text."""
    return found.starts[literal] if found.starts is not None else _finds(found.text, literal)


def _finds(text: str, literal: str) -> Iterator[int]:
    at = text.find(literal)
    while at >= 0:
        yield at
        at = text.find(literal, at + 1)


def _verified(m: re.Match[str]) -> bool:
    """A provider-shaped match that its checksum confirms and that is no documented example."""
    value = m.group()
    if m.string.startswith(("###", "***", "...", "\u2022\u2022\u2022", "\u2026"), m.end()):
        return False  # the rest is masked or cut off: a redacted example
    if value.startswith(("-----BEGIN", "LS0tLS1CRUdJTi", "$")):
        return structure_ok(value)
    return checksum_ok(value) and structure_ok(value) and not looks_like_example(value)


# credentials in places the name = value rules do not reach: (trigger literal, pattern)
_IN_CONTEXT = (
    (
        "DirectoryEntry",
        re.compile(r"DirectoryEntry\(\s*\"[^\"]*\",\s*\"[^\"]+\",\s*\"(?P<v>[^\"]{3,})\""),
    ),
    ("Unseal Key", re.compile(r"Unseal Key \d+: (?P<v>[A-Za-z0-9+/=]{40,})")),
    ("sonar.login", re.compile(r"sonar\.login['\"]?\s*[,:=]\s*['\"]?(?P<v>[0-9a-f]{40})\b")),
    ("REACT_APP_", re.compile(r"REACT_APP_\w*USER(?:NAME)?\s*=\s*(?P<v>[^\s#'\"$]{2,})")),
)


# the literals looked for in the text, and in its lower case, in one pass each: where
# provider keys start and what decides whether the patterns that need a word run at all
_CLI_FLAGS = ("-p", "-P")
_KNOWN_INDEX = LiteralIndex(
    [
        *(literal for literal, _ in _KNOWN_STARTS),
        *_KUBEADM_TRIGGERS,
        *(trigger for trigger, _ in _IN_CONTEXT),
        *_CLI_FLAGS,
    ]
)
_BEARER_WORDS = ("bearer", "token", "-u")
_NAME_CORE_INDEX = LiteralIndex([*_NAME_CORES, *_BEARER_WORDS, "assword"])


def _in_context(text: str, found: Occurrences) -> Iterator[Finding]:
    for trigger, pattern in _IN_CONTEXT:
        if trigger in found:
            for m in pattern.finditer(text):
                yield Finding(m.start("v"), m.end("v"), "SECRET", 0.7)


def detect_secrets(text: str) -> list[Finding]:
    anchors = _KNOWN_INDEX.scan(text)
    found = [
        Finding(m.start(), m.end(), "SECRET", 0.95) for m in _known(text, anchors) if _verified(m)
    ]
    found += _in_context(text, anchors)
    lower = lowered(text)
    cores = _NAME_CORE_INDEX.scan(lower)
    found += _assigned(text, lower, cores)
    prose = _PROSE_PASSWORD.finditer(text) if "assword" in cores else ()
    for m in prose:
        if not _PLACEHOLDER_VALUE.match(m.group("v")):
            found.append(Finding(m.start("v"), m.end("v"), "SECRET", 0.6))
    cli = _CLI_PASSWORD.finditer(text) if any(flag in anchors for flag in _CLI_FLAGS) else ()
    for m in cli:
        if _FILE_NAME.fullmatch(m.group("v").rstrip(",;)`")):
            continue  # a project or config file (tsc -p tsconfig.json) is no password
        if not _PLACEHOLDER_VALUE.match(m.group("v")) or re.search(r"(?i)psexec", text):
            found.append(Finding(m.start("v"), m.end("v"), "SECRET", 0.6))
    return resolve_overlaps(found)
