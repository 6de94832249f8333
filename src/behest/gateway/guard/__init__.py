"""The guard stage: PII and secret redaction with reversible placeholders, injection scoring.

Public API (everything else in this package is private)::

    policy = GuardPolicy.from_dict(project_settings["guard"])   # InvalidRequest on bad input
    result = inspect_request(body, policy)      # GuardrailBlocked (400) when the policy blocks
    result.body                                 # redacted copy of the chat body, for the upstream
    result.report.header_value()                # "pii=email:1,phone:1;action=redact;injection=0.12"
    result.report.to_record()                   # same, for the usage log (counts, never values)
    if result.restorer:                         # placeholders were issued
        completion = result.restorer.restore_completion(completion)
        stream = result.restorer.stream()       # per streamed response
        chunks = stream.feed(chunk) ... + stream.flush()

Pure detectors, ``text -> findings`` (``Finding(start, end, type, score)``):
``detect_pii``, ``detect_secrets``; and ``score_injection(text) -> InjectionVerdict``.

Optional heavier injection tier (``guard.heavy``): ``BEHEST_GUARD_INJECTION_MODEL`` names a
local ONNX file or transformers model directory; ``heavy.active_scorer()`` then combines it
with ``score_injection``. Call it at start-up to fail fast on a bad configuration.

``warm_up()`` loads the word lists, patterns and model the detectors build on first use.
"""

from behest.gateway.guard.findings import Finding
from behest.gateway.guard.injection import InjectionVerdict, score_injection
from behest.gateway.guard.pii import PII_TYPES, detect_pii
from behest.gateway.guard.policy import CustomPattern, EntityRule, GuardPolicy
from behest.gateway.guard.restore import Restorer, StreamRestorer
from behest.gateway.guard.secrets import detect_secrets
from behest.gateway.guard.stage import GuardReport, GuardResult, find_all, inspect_request
from behest.gateway.guard.warm import warm_up

__all__ = [
    "PII_TYPES",
    "CustomPattern",
    "EntityRule",
    "Finding",
    "GuardPolicy",
    "GuardReport",
    "GuardResult",
    "InjectionVerdict",
    "Restorer",
    "StreamRestorer",
    "detect_pii",
    "detect_secrets",
    "find_all",
    "inspect_request",
    "score_injection",
    "warm_up",
]
