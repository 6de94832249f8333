"""Mean µs per message of the injection scorer's tiers over the texts of a JSONL file.

    .venv/bin/python bench/injection_speed.py [--texts JSONL] [--rounds 5]

``--texts`` defaults to the development split, ``../shared/evaldata/injection_dev.jsonl``.

Each line's ``text`` is lowered once; then the signal families (``fast_verdict``), the
learned tier alone (``model.logit`` on the window it reads) and the whole scorer
(``score_injection``, which skips the learned tier when the signals are decisive) are timed
over every text, best of ``--rounds`` rounds of CPU time (``time.process_time``). The
learned tier is also given apart for texts whose window is ASCII and the others: ASCII
4-grams are scored as integers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from behest.gateway.guard.injection import fast_verdict, normalise, score_injection
from behest.gateway.guard.learned import shipped_model, window

DEV = Path(__file__).resolve().parents[1] / "../shared/evaldata/injection_dev.jsonl"


def best_us(run: Callable[[], object], count: int, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.process_time()
        run()
        times.append((time.process_time() - start) / count * 1e6)
    return min(times)


def learned_us(lowered: Sequence[str], signals: Sequence[tuple[str, ...]], rounds: int) -> float:
    model = shipped_model()
    pairs = list(zip(lowered, signals, strict=True))
    return best_us(lambda: [model.logit(t, s) for t, s in pairs], max(1, len(pairs)), rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=Path, default=DEV)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    texts = [json.loads(line)["text"] for line in args.texts.open(encoding="utf-8")]
    score_injection("warm up: load the model")
    lowered = [normalise(t) for t in texts]
    signals = [fast_verdict(t).signals for t in lowered]
    ascii_ = [i for i, t in enumerate(lowered) if window(t).isascii()]
    other = [i for i in range(len(texts)) if i not in set(ascii_)]
    n, rounds = len(texts), args.rounds
    print(f"{n} texts, mean {statistics.mean(map(len, texts)):,.0f} characters")
    print("| tier | texts | µs per message |\n| --- | ---: | ---: |")
    print(
        f"| signals | {n} | {best_us(lambda: [fast_verdict(t) for t in lowered], n, rounds):,.1f} |"
    )
    print(f"| learned tier | {n} | {learned_us(lowered, signals, rounds):,.1f} |")
    for label, picked in (("ASCII", ascii_), ("other", other)):
        sub = learned_us([lowered[i] for i in picked], [signals[i] for i in picked], rounds)
        print(f"| learned tier, {label} texts | {len(picked)} | {sub:,.1f} |")
    whole = best_us(lambda: [score_injection(t) for t in texts], n, rounds)
    print(f"| score_injection | {n} | {whole:,.1f} |")


if __name__ == "__main__":
    main()
