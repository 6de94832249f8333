"""Time ``inspect_request`` per request and per KB: a small chat body, a 10 KB and a 100 KB prompt.

    .venv/bin/python bench/guard_speed.py [--rounds 5] [--json out.json] [--per-detector]

Texts are generated deterministically (seeded prose with a few PII items: an e-mail, a
phone number, a card, a street address, a name, an assigned key). Every request carries a
user text not seen before, so the per-text memo never answers for it; the system prompt
of the small body repeats, as it does in real traffic. Reported: median µs per request
over ``--rounds`` rounds of CPU time (``time.process_time``) and µs per KB of text.

``--per-detector`` adds a table of each detector alone (µs per KB on fresh 100 KB texts,
µs on the user text of a fresh small chat), and what ``inspect_request`` spends besides
them ("orchestration": the same bodies once more, when the memo answers for every text,
so what is left is walking the body, redacting and building the report). Each
detector is timed on texts no detector saw before, so set-up that detectors share (the
digit runs of a text) is counted in every detector that asks for it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from behest.gateway.errors import GuardrailBlocked
from behest.gateway.guard import GuardPolicy, inspect_request
from behest.gateway.guard.heavy import active_scorer
from behest.gateway.guard.locations import detect_locations
from behest.gateway.guard.people import detect_persons
from behest.gateway.guard.secrets import detect_secrets
from behest.gateway.guard.structured import STRUCTURED_DETECTORS

SYSTEM = (
    "You are a helpful assistant for Acme Travel. Answer briefly and politely; "
    "never reveal internal notes. Use metric units."
)
_WORDS = str.split(
    "the a of to and in that it for on with as was at by this from or be are which not "
    "have one had but all were when there can an your we more has been if would will so "
    "about out many then them these some could other into time only its two like may first "
    "water long down day did get come made over new people after back little most very "
    "report meeting budget travel hotel flight schedule customer invoice order delivery "
    "quarter review project team plan office morning evening weekend question answer"
)
_PII = (
    "Please write to {name} at jane.doe{n}@example.org about it.",
    "Call me on +44 20 7946 0{n:03d} after lunch.",
    "The card on file is 4111 1111 1111 1111 and it expires soon.",
    "Ship it to {n} Baker Street, London, NW1 6XE.",
    "My name is {name} and I live in Berlin.",
    'config: api_key = "Zq8{n}xT4pLm9vR2sK7wN5"',
)
_NAMES = ("Maria Schneider", "John Carter", "Aiko Tanaka", "Pedro Alvarez", "Grace Okafor")


def prose(size: int, seed: int) -> str:
    """About ``size`` characters of sentence-shaped text, a PII sentence every ~1.5 KB."""
    rng = random.Random(seed)
    out: list[str] = []
    length = 0
    while length < size:
        if rng.random() < 0.06:
            template = rng.choice(_PII)
            sentence = template.format(name=rng.choice(_NAMES), n=rng.randrange(1, 999))
        else:
            words = rng.choices(_WORDS, k=rng.randrange(6, 18))
            sentence = " ".join(words).capitalize() + rng.choice(".!?.")
        out.append(sentence)
        length += len(sentence) + 1
    return " ".join(out)[:size]


def small_body(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    user = (
        f"Hi, I'm {rng.choice(_NAMES)}. Can you move my flight AC{rng.randrange(100, 999)} "
        f"to Friday morning and e-mail the new ticket to me at m.s{seed}@example.com? "
        "Also, what is the baggage allowance for a child under two on that route?"
    )
    return {
        "model": "gpt-4o-mini",
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}],
        "max_tokens": 64,
    }


def prompt_body(size: int, seed: int) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prose(size, seed)}]}


def text_size(body: dict[str, Any]) -> int:
    return sum(len(m["content"]) for m in body["messages"])


def measure(bodies: list[dict[str, Any]], policy: GuardPolicy, rounds: int) -> float:
    """Median over rounds of CPU µs per request; each round sees bodies never seen before."""
    per_round = len(bodies) // rounds
    results = []
    for r in range(rounds):
        chunk = bodies[r * per_round : (r + 1) * per_round]
        start = time.process_time()
        for body in chunk:
            with contextlib.suppress(GuardrailBlocked):  # a block is a result too
                inspect_request(body, policy)
        results.append((time.process_time() - start) / len(chunk) * 1e6)
    return statistics.median(results)


def cases(rounds: int) -> list[tuple[str, int, Callable[[int], dict[str, Any]]]]:
    return [
        ("small chat (system + user)", 400 * rounds, small_body),
        ("10 KB prompt", 30 * rounds, lambda s: prompt_body(10_000, s)),
        ("100 KB prompt", 3 * rounds, lambda s: prompt_body(100_000, s)),
    ]


def detectors() -> list[tuple[str, Callable[[str], object]]]:
    """Every detector of the default tier, by the name its module gives it."""
    named: list[tuple[str, Callable[[str], object]]] = [
        (d.__name__, d) for d in STRUCTURED_DETECTORS
    ]
    named += [("detect_persons", detect_persons), ("detect_locations", detect_locations)]
    named += [("detect_secrets", detect_secrets), ("injection (active scorer)", active_scorer())]
    return named


def time_detector(detector: Callable[[str], object], texts: list[str], rounds: int) -> float:
    """Median over rounds of CPU µs per text."""
    per_round = len(texts) // rounds
    results = []
    for r in range(rounds):
        chunk = texts[r * per_round : (r + 1) * per_round]
        start = time.process_time()
        for text in chunk:
            detector(text)
        results.append((time.process_time() - start) / len(chunk) * 1e6)
    return statistics.median(results)


def per_detector(rounds: int) -> list[dict[str, Any]]:
    """µs/KB on fresh 100 KB texts and µs on a fresh small chat's user text, per detector."""
    big_count, small_count = 2 * rounds, 200 * rounds
    rows = []
    print("\n| detector | µs / KB (100 KB) | µs (small chat user text) |")
    print("| --- | ---: | ---: |")
    total_big = total_small = 0.0
    for k, (name, detector) in enumerate(detectors()):
        big = [prose(100_000, 10**7 + 1000 * k + i) for i in range(big_count)]
        small = [small_body(10**7 + 10_000 * k + i)["messages"][1]["content"]
                 for i in range(small_count)]  # fmt: skip
        us_big = time_detector(detector, big, rounds) / 100
        us_small = time_detector(detector, small, rounds)
        total_big += us_big
        total_small += us_small
        rows.append({"detector": name, "us_per_kb": us_big, "us_small": us_small})
        print(f"| {name} | {us_big:,.1f} | {us_small:,.1f} |")
    policy = POLICIES["default"]
    big_bodies = [prompt_body(100_000, 2 * 10**7 + i) for i in range(big_count)]
    small_bodies = [small_body(2 * 10**7 + i) for i in range(small_count)]
    whole_big = measure(big_bodies, policy, rounds) / 100
    whole_small = measure(small_bodies, policy, rounds)
    print(f"| sum of detectors | {total_big:,.1f} | {total_small:,.1f} |")
    print(f"| inspect_request (whole) | {whole_big:,.1f} | {whole_small:,.1f} |")
    again_big = measure(big_bodies, policy, rounds) / 100  # every text now a memo hit
    again_small = measure(small_bodies, policy, rounds)
    print(f"| orchestration (the same bodies again) | {again_big:,.1f} | {again_small:,.1f} |")
    rows.append({"detector": "inspect_request", "us_per_kb": whole_big, "us_small": whole_small})
    rows.append({"detector": "orchestration", "us_per_kb": again_big, "us_small": again_small})
    return rows


POLICIES = {
    "default": GuardPolicy(),
    "off": GuardPolicy(pii_mode="off", secrets=False, injection_mode="off"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--per-detector", action="store_true", help="add a table per detector")
    args = parser.parse_args()
    inspect_request(small_body(-1), POLICIES["default"])  # load word lists and libraries
    rows = []
    print("| case | policy | bytes | µs / request | µs / KB |")
    print("| --- | --- | ---: | ---: | ---: |")
    for name, count, make in cases(args.rounds):
        for label, policy in POLICIES.items():
            seed = 0 if label == "default" else 10**6
            bodies = [make(seed + i) for i in range(count)]
            size = statistics.mean(text_size(b) for b in bodies)
            us = measure(bodies, policy, args.rounds)
            rows.append({"case": name, "policy": label, "bytes": size, "us": us})
            print(f"| {name} | {label} | {size:,.0f} | {us:,.1f} | {us / size * 1000:,.2f} |")
    detector_rows = per_detector(args.rounds) if args.per_detector else []
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"cases": rows, "detectors": detector_rows}, out, indent=2)


if __name__ == "__main__":
    main()
