"""Injection recall and false positives on BIPIA's *test* split (microsoft/BIPIA, MIT), a
public benchmark of indirect injection the learned tier was not trained on (it saw the
training split's documents and attacks only): every test e-mail, code and table document
as it is, and with a test-split attack put at its start, middle or end.

    .venv/bin/python bench/injection_public.py --bipia GIT_DIR [--prompts GIT_DIR] [--seed 5]

``--prompts``: a git directory of f/awesome-chatgpt-prompts (CC0); adds the false-positive
rate on the half of its classic "I want you to act as" role prompts that training keeps
out (``scripts/injection_corpus.py``).

``GIT_DIR`` is a clone's ``.git`` or a bare mirror of microsoft/BIPIA; files are read at
the commit ``scripts/injection_corpus.py`` pins. Prints recall by document kind and place,
and the false-positive rate on the clean documents, for the signal families alone and for
the whole scorer.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from behest.gateway.guard.injection import fast_verdict, normalise, score_injection

COMMIT = "1a2a91da6bb12838e05d1b2e54d98e2f37b835f3"


def show(git_dir: Path, path: str) -> str:
    cmd = ["git", f"--git-dir={git_dir}", "show", f"{COMMIT}:{path}"]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | dict):
        for item in value.values() if isinstance(value, dict) else value:
            yield from strings(item)


def documents(git_dir: Path) -> Iterator[tuple[str, str]]:
    for line in show(git_dir, "benchmark/email/test.jsonl").splitlines():
        yield "email", json.loads(line)["context"]
    for line in show(git_dir, "benchmark/code/test.jsonl").splitlines():
        rec = json.loads(line)
        code, error = "\n".join(strings(rec["code"])), "\n".join(strings(rec["error"]))
        yield "code", "\n".join(strings(rec["context"])) + f"\n```\n{code}\n```\n{error}"
    for i, line in enumerate(show(git_dir, "benchmark/table/test.jsonl").splitlines()):
        if i < 200:
            yield "table", json.loads(line)["context"][:2500]


def insert(doc: str, attack: str, where: str) -> str:
    if where == "start":
        return f"{attack}\n{doc}"
    if where == "end":
        return f"{doc}\n{attack}"
    cut = doc.find(" ", len(doc) // 2)
    return f"{doc[:cut]} {attack} {doc[cut:]}" if cut > 0 else f"{doc} {attack}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bipia", type=Path, required=True)
    parser.add_argument("--prompts", type=Path)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    paths = ("benchmark/text_attack_test.json", "benchmark/code_attack_test.json")
    attacks = [a for p in paths for a in strings(json.loads(show(args.bipia, p)))]
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # n, fast hits, scorer hits
    for kind, doc in documents(args.bipia):
        for where in ("clean", "start", "middle", "end"):
            text = doc if where == "clean" else insert(doc, rng.choice(attacks), where)
            row = tally[f"{kind}/{where}"]
            row[0] += 1
            row[1] += fast_verdict(normalise(text)).score >= 0.5
            row[2] += score_injection(text).score >= 0.5
    if args.prompts:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
        from injection_corpus import SOURCES, held_out_role_prompts

        for text in held_out_role_prompts(args.prompts, SOURCES["awesome"][1]):
            row = tally["role prompts, held out/clean"]
            row[0] += 1
            row[1] += fast_verdict(normalise(text)).score >= 0.5
            row[2] += score_injection(text).score >= 0.5
    print("| documents | n | signals alone | with the learned tier |\n| --- | ---: | ---: | ---: |")
    for key, (n, fast, full) in sorted(tally.items()):
        label = "FPR" if key.endswith("clean") else "recall"
        print(f"| {key} ({label}) | {n} | {fast / n:.3f} | {full / n:.3f} |")


if __name__ == "__main__":
    main()
