# ruff: noqa: E501
"""Train the learned injection tier and write ``src/behest/gateway/guard/data/injection_model.json.gz``.

    .venv/bin/python scripts/train_injection.py --sources DIR [--seed 13] [--out PATH]

``DIR`` holds one git directory per source of ``injection_corpus.SOURCES``, named
``owner+name`` (``NVIDIA+garak``…), each either a clone (``DIR/owner+name/.git``) or a bare
mirror (``DIR/owner+name/repo``). Pure Python (no numpy): logistic regression by AdaGrad
over binary features, with L2, in a fixed order from the seed, then weights rounded and
pruned; the same sources and seed write the same bytes (gzip without a timestamp).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from injection_corpus import SOURCES, build

from behest.gateway.guard.injection import fast_verdict, normalise
from behest.gateway.guard.learned import MODEL_FILE, feature_scale, text_features

OUT = Path(__file__).resolve().parents[1] / "src/behest/gateway/guard/data" / MODEL_FILE
MIN_DOCS = 8
EPOCHS = 12
RATE = 0.5
L2 = 1e-5
KEEP = 0.15  # weights smaller than this (in log-odds) are dropped
NEGATIVE_WEIGHT = 2.0  # false positives cost more than misses
# benign role and task prompts read most like jailbreaks: seen this many times per epoch
REPEAT = {"awesome/prompts": 4}
SIGNAL_CAP = 2.0


def git_dir(root: Path, repo: str) -> Path:
    base = root / repo.replace("/", "+")
    for candidate in (base / "repo", base / ".git", base):
        if (candidate / "HEAD").exists():
            return candidate
    raise SystemExit(f"no git directory for {repo} under {root}")


def featurise(text: str) -> tuple[list[str], list[str]]:
    lowered = normalise(text)
    return sorted(text_features(lowered)), ["s:" + s for s in fast_verdict(lowered).signals]


def _capped(feature: str, weight: float) -> float:
    """A fired signal family adds at most ``SIGNAL_CAP``: whether one signal flags alone is
    the fast tier's rule, not the model's (char 4-grams are 4 long, signal features longer)."""
    return min(weight, SIGNAL_CAP) if feature.startswith("s:") and len(feature) > 4 else weight


def train(examples: list[tuple[list[str], list[str], int]], seed: int) -> dict[str, object]:
    distinct = {id(feats): feats for feats, _, _ in examples}.values()  # repeats count once
    counts = Counter(f for feats in distinct for f in feats)
    vocab = {f for f, c in counts.items() if c >= MIN_DOCS}
    rows = []
    for feats, signals, label in examples:
        kept = [f for f in feats if f in vocab]
        scale = feature_scale(len(feats))
        rows.append(([(f, scale) for f in kept] + [(s, 1.0) for s in signals], label))
    weights: dict[str, float] = {}
    grads: dict[str, float] = {}
    bias, bias_grad = 0.0, 0.0
    rng = random.Random(seed)
    order = list(range(len(rows)))
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for i in order:
            feats, label = rows[i]
            z = bias + sum(weights.get(f, 0.0) * x for f, x in feats)
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g = (p - label) * (NEGATIVE_WEIGHT if label == 0 else 1.0)
            bias_grad += g * g
            bias -= RATE * g / math.sqrt(bias_grad + 1e-9)
            for f, x in feats:
                w = weights.get(f, 0.0)
                gf = g * x + L2 * w
                grads[f] = grads.get(f, 0.0) + gf * gf
                weights[f] = w - RATE * gf / math.sqrt(grads[f] + 1e-9)
    kept = {f: round(_capped(f, w), 3) for f, w in sorted(weights.items()) if abs(w) >= KEEP}
    return {"bias": round(bias, 4), "weights": kept}


def serialise(model: dict[str, object]) -> bytes:
    payload = json.dumps(model, sort_keys=True, separators=(",", ":")).encode()
    return gzip.compress(payload, compresslevel=9, mtime=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--exclude", type=Path, help="JSONL whose texts (and near copies) to leave out"
    )
    args = parser.parse_args()
    dirs = {key: git_dir(args.sources, repo) for key, (repo, _) in SOURCES.items()}
    exclude = [json.loads(line)["text"] for line in args.exclude.open()] if args.exclude else []
    corpus = build(dirs, args.seed, exclude)
    by_source = Counter((source, label) for _, label, source in corpus)
    for (source, label), n in sorted(by_source.items()):
        print(f"{source:32} label={label} {n}", file=sys.stderr)
    examples = []
    for text, label, source in corpus:
        examples += [(*featurise(text), label)] * REPEAT.get(source, 1)
    model = train(examples, args.seed)
    args.out.write_bytes(serialise(model))
    weights = model["weights"]
    assert isinstance(weights, dict)
    print(
        f"{len(corpus)} examples, {len(weights)} weights, {args.out.stat().st_size} bytes",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
