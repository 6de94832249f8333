# ruff: noqa: E501  (long regular expressions; typographic apostrophes are matched on purpose)
"""Prompt injection and jailbreak scoring over user-controlled text, with reasons.

Each signal is a named pattern family with a weight; the score combines the weights of the
signals that fired (``1 - prod(1 - w)``), so one strong signal or several weak ones flag a
text. ``score_injection(text)`` returns the score and the names of the signals, never text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_I = re.IGNORECASE | re.DOTALL
_PRIOR = r"(?:previous|prior|above|earlier|preceding|initial|original|all|any|the|your|these|those|system)"
_RULES = r"(?:instructions?|prompts?|rules?|directives?|guidelines?|commands?|context|programming|orders)"

_SIGNALS: tuple[tuple[str, float, re.Pattern[str]], ...] = (
    (
        "override_instructions",
        0.8,
        re.compile(
            rf"\b(?:ignore|disregard|forget|override|bypass|skip|drop|abandon)\b.{{0,30}}\b{_PRIOR}\b.{{0,25}}\b{_RULES}\b",
            _I,
        ),
    ),
    (
        "new_instructions",
        0.5,
        re.compile(
            r"\b(?:new|updated|real|actual|secret|hidden)\s+(?:instructions?|rules?|task|directive)s?\s*[:\-]",
            _I,
        ),
    ),
    (
        "reveal_prompt",
        0.75,
        re.compile(
            rf"\b(?:repeat|reveal|print|show|output|display|tell me|write|translate|summari[sz]e|leak|dump|spell)\b"
            rf".{{0,40}}\b(?:{_PRIOR}\s+)?(?:system\s+prompt|instructions?(?:\s+(?:above|so far|given))|"
            rf"prompt\s+above|text\s+above|everything\s+above|your\s+(?:prompt|instructions|rules))",
            _I,
        ),
    ),
    ("access_granted", 0.85, re.compile(r"access\s+granted", _I)),
    (
        "jailbreak_persona",
        0.8,
        re.compile(
            r"\b(?:DAN|do anything now|jailbreak(?:en|ed)?|developer mode|dev mode|god mode|unfiltered|"
            r"uncensored|no (?:moral|ethical)|amoral|without (?:any )?(?:restrictions|limitations|filters|"
            r"censorship|morals|ethics)|no (?:restrictions|limitations|filters|guidelines|rules))\b",
            _I,
        ),
    ),
    (
        "policy_mention",
        0.25,
        re.compile(
            r"\b(?:openai|content|safety|ethical)\s+(?:polic(?:y|ies)|guidelines|filters?)\b", _I
        ),
    ),
    (
        "never_refuse",
        0.6,
        re.compile(
            r"\b(?:never|cannot|can't|won't|will not|must not|don't|do not)\s+(?:ever\s+)?(?:refuse|decline|say no)",
            _I,
        ),
    ),
    (
        "stay_in_character",
        0.5,
        re.compile(
            r"\b(?:stay in character|break character|remain in character|two (?:responses|personas)|"
            r"(?:pretend|imagine) (?:you|that you) (?:are|have) (?:no|an? (?:evil|unrestricted)))",
            _I,
        ),
    ),
    (
        "role_markers",
        0.6,
        re.compile(
            r"<\|(?:im_start|im_end|endoftext|system|assistant)\|>|\[/?INST\]|^\s*(?:system|assistant)\s*:"
            r"|#{2,}\s*(?:system|instruction)|%%%|\bEND (?:OF )?(?:USER|INPUT|PROMPT)\b|BEGIN (?:SYSTEM|ADMIN)",
            _I | re.MULTILINE,
        ),
    ),
    (
        "reply_prefix",
        0.45,
        re.compile(
            r"\b(?:begin|start|prefix|end)\s+your\s+(?:reply|response|answer|output)\s+with\b", _I
        ),
    ),
    (
        "embedded_request",
        0.55,
        re.compile(
            r"\b(?:(?:it (?:may|might|would) be|it's|it is) (?:advantageous|beneficial|helpful|wise|important)"
            r"|(?:utili[sz]e|incorporate|feature|include|insert|add) the following (?:code|snippet|link|text)"
            r"|in your (?:reply|response|answer),? (?:please )?(?:also |include|mention|recommend|add)"
            r"|(?:when|while) (?:answering|responding|summari[sz]ing)|before (?:answering|responding),"
            r"|(?:remember|make sure|be sure) to (?:include|mention|add|recommend|tell))",
            _I,
        ),
    ),
    (
        "exfiltration",
        0.6,
        re.compile(
            r"requests\.(?:post|get)\(|\bcurl\s+-|\bwget\s+http|base64\s*-d|\beval\(|rm\s+-rf|"
            r"subprocess\.|os\.system|Win32_|\.Disable\(\)|keylogger|reverse shell",
            _I,
        ),
    ),
    (
        "password_probe",
        0.45,
        re.compile(
            r"\b(?:the|your|correct|secret)\s+(?:password|passcode|access code|secret key)\b", _I
        ),
    ),
    (
        "in_your_reply",
        0.55,
        re.compile(r"\b(?:in|to|into) your (?:reply|response|answer|output)\b", _I),
    ),
    ("token_flood", 0.5, re.compile(r"(\S{2,12}?)\1{8,}|([^\w\s])\2{15,}")),
)


_DOCUMENT = re.compile(
    r"^(?:SUBJECT|EMAIL_FROM|From|To|Subject|Date)\s*:|```|Unsubscribe|^>>> ", re.MULTILINE
)
_IMPERATIVE_LINE = re.compile(
    r"\n\s*(?:Provide|Include|Integrate|Replace|Analy[sz]e|Write|Translate|Respond|Answer|Add|Mention"
    r"|Tell|Explain|Describe|Generate|Create|List|Use|Insert|Recommend|Ask|Send)\b[^\n]{10,}"
)
_DOCUMENT_WEIGHT = 0.6


def _instruction_in_document(text: str) -> bool:
    """An imperative line addressed to the model inside a pasted e-mail or code document."""
    return _DOCUMENT.search(text) is not None and _IMPERATIVE_LINE.search(text, 80) is not None


@dataclass(frozen=True, slots=True)
class InjectionVerdict:
    score: float
    signals: tuple[str, ...]


def score_injection(text: str) -> InjectionVerdict:
    """A score in [0, 1] and the names of the signals that fired."""
    fired = tuple(name for name, _, pattern in _SIGNALS if pattern.search(text))
    remaining = 1.0
    if _instruction_in_document(text):
        fired += ("instruction_in_document",)
        remaining *= 1.0 - _DOCUMENT_WEIGHT
    for name, weight, _ in _SIGNALS:
        if name in fired:
            remaining *= 1.0 - weight
    return InjectionVerdict(round(1.0 - remaining, 4), fired)
