"""The optional heavier injection tier: a local classifier combined with the fast tier.

The operator points ``BEHEST_GUARD_INJECTION_MODEL`` at a model on disk; nothing is ever
downloaded. Two layouts are understood::

    model.onnx (+ tokenizer.json and optional config.json beside it)  -> onnxruntime + tokenizers
    a directory holding a Hugging Face sequence-classification model -> transformers

The runtimes are optional imports (extras ``guard-onnx`` / ``guard-transformers``);
configuring a model without its runtime raises ``HeavyTierUnavailable`` with the fix.

``active_scorer()`` is the injection scorer the stage uses: ``score_injection`` alone when
nothing is configured, else ``CombinedScorer``, which averages the fast score and the
classifier's probability in log-odds space (``weight`` for the classifier) and names the
classifier among the signals when it votes for injection. A fast score that is already
decisive skips the model.
"""

from __future__ import annotations

import functools
import importlib
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from behest.gateway.errors import GuardModelUnavailable as HeavyTierUnavailable
from behest.gateway.guard.injection import OFFSET, InjectionVerdict, score_injection

ENV_VAR = "BEHEST_GUARD_INJECTION_MODEL"
POSITIVE_LABELS = frozenset({"injection", "jailbreak", "unsafe", "malicious", "label_1", "1"})
Scorer = Callable[[str], InjectionVerdict]
_NO_SIGNAL = 1.0 / (1.0 + math.exp(OFFSET))  # the fast tier's odds when nothing fired


class InjectionClassifier(Protocol):
    def probability(self, text: str) -> float:
        """Probability in [0, 1] that ``text`` is an injection or jailbreak."""
        ...


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1.0 - 1e-6)
    return math.log(p / (1.0 - p))


@dataclass(frozen=True, slots=True)
class CombinedScorer:
    """Fast tier and classifier, averaged in log-odds; decisive fast scores skip the model."""

    classifier: InjectionClassifier
    weight: float = 0.5
    decisive: float = 0.98

    def __call__(self, text: str) -> InjectionVerdict:
        fast = score_injection(text)
        if fast.score >= self.decisive:
            return fast
        p = self.classifier.probability(text)
        fast_odds = _logit(max(fast.score, _NO_SIGNAL))
        blended = (1.0 - self.weight) * fast_odds + self.weight * _logit(p)
        score = round(1.0 / (1.0 + math.exp(-blended)), 4)
        signals = fast.signals + (("classifier",) if p >= 0.5 else ())
        return InjectionVerdict(score, signals)


def _softmax(logits: Sequence[float]) -> list[float]:
    top = max(logits)
    exps = [math.exp(x - top) for x in logits]
    total = sum(exps)
    return [e / total for e in exps]


def positive_index(config: dict[str, Any], classes: int) -> int:
    """The class index meaning "injection": from ``id2label`` when given, else the last."""
    for index, label in dict(config.get("id2label", {})).items():
        if str(label).lower() in POSITIVE_LABELS:
            return int(index)
    return classes - 1


@dataclass(frozen=True, slots=True)
class OnnxClassifier:
    """An ONNX sequence classifier: ``session.run`` over tokenizer ids, softmax of logits."""

    session: Any
    tokenizer: Any
    config: dict[str, Any]
    max_tokens: int = 512

    def probability(self, text: str) -> float:
        encoding = self.tokenizer.encode(text)
        ids = list(encoding.ids)[: self.max_tokens]
        feeds = {"input_ids": [ids], "attention_mask": [[1] * len(ids)]}
        wanted = {i.name for i in self.session.get_inputs()}
        if "token_type_ids" in wanted:
            feeds["token_type_ids"] = [[0] * len(ids)]
        numpy = _require("numpy", "guard-onnx")
        arrays = {k: numpy.asarray(v, dtype=numpy.int64) for k, v in feeds.items() if k in wanted}
        logits = [float(x) for x in self.session.run(None, arrays)[0][0]]
        return _softmax(logits)[positive_index(self.config, len(logits))]


@dataclass(frozen=True, slots=True)
class PipelineClassifier:
    """A ``transformers`` text-classification pipeline returning every label's score."""

    pipeline: Any

    def probability(self, text: str) -> float:
        results = self.pipeline(text, truncation=True, top_k=None)
        scores = results[0] if results and isinstance(results[0], list) else results
        return max(
            (float(r["score"]) for r in scores if str(r["label"]).lower() in POSITIVE_LABELS),
            default=0.0,
        )


def _require(module: str, extra: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise HeavyTierUnavailable(
            f"{ENV_VAR} is set but '{module}' is not installed; install behest[{extra}]."
        ) from exc


def _load_onnx(model: Path) -> InjectionClassifier:
    tokenizer_file = model.with_name("tokenizer.json")
    if not tokenizer_file.is_file():
        raise HeavyTierUnavailable(f"{ENV_VAR}: no tokenizer.json beside {model}.")
    ort = _require("onnxruntime", "guard-onnx")
    tokenizers = _require("tokenizers", "guard-onnx")
    config_file = model.with_name("config.json")
    config = json.loads(config_file.read_text()) if config_file.is_file() else {}
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    tokenizer = tokenizers.Tokenizer.from_file(str(tokenizer_file))
    return OnnxClassifier(session, tokenizer, config)


def _load_transformers(model: Path) -> InjectionClassifier:
    transformers = _require("transformers", "guard-transformers")
    pipeline = transformers.pipeline(
        "text-classification",
        model=str(model),
        tokenizer=str(model),
        model_kwargs={"local_files_only": True},
    )
    return PipelineClassifier(pipeline)


def load_classifier(path: str | Path) -> InjectionClassifier:
    """The classifier stored at ``path`` (an ``.onnx`` file or a model directory)."""
    model = Path(path).expanduser()
    if model.suffix == ".onnx" and model.is_file():
        return _load_onnx(model)
    if model.is_dir() and (model / "model.onnx").is_file():
        return _load_onnx(model / "model.onnx")
    if model.is_dir() and (model / "config.json").is_file():
        return _load_transformers(model)
    raise HeavyTierUnavailable(
        f"{ENV_VAR}={path!s} is neither an .onnx file nor a model directory with config.json."
    )


def scorer_from_env(environ: Mapping[str, str] = os.environ) -> Scorer:
    """``score_injection`` alone, or combined with the classifier ``ENV_VAR`` names."""
    path = environ.get(ENV_VAR, "").strip()
    if not path:
        return score_injection
    return CombinedScorer(load_classifier(path))


@functools.cache
def active_scorer() -> Scorer:
    """The scorer the guard stage uses, loaded once (``active_scorer.cache_clear()`` reloads)."""
    return scorer_from_env()
