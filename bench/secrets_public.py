"""Secrets recall and false positives on gitleaks' own rule examples (gitleaks/gitleaks, MIT),
a public set the detector was not tuned on: every rule in ``cmd/generate/config/rules/*.go``
validates itself against literal true-positive (``tps``) and false-positive (``fps``)
example strings, written by its maintainers from real leaks, provider documentation and
reported false alarms.

    .venv/bin/python bench/secrets_public.py --gitleaks GIT_DIR [--detect-secrets GIT_DIR]
        [--source-tree DIR] [--show-errors 20]

``GIT_DIR`` is a clone's ``.git`` or a bare mirror of gitleaks/gitleaks; files are read at
``COMMIT``. Only examples written out in full are taken: an item built by a generator
(``secrets.NewSecret(...)``) is skipped, and ``utils.GenerateSampleSecret(s)("id", "literal")``
is taken once, rendered as gitleaks renders its first sample (``id_api_token = "literal"``).
Texts that also occur in ``secrets_dev.jsonl`` are left out. ``formats``: the ~26 sample
templates of ``utils.GenerateSampleSecrets`` (INI, JSON, YAML, XML, C#, Go, Java, Kotlin,
PHP, Python, Makefile, …; read from ``cmd/generate/config/utils/generate.go``) filled with
four names and five random 32-character secrets each (seeded), all positives.

A gitleaks false positive is one for *that* rule (a look-alike: placeholder, identifier,
hash, wrong length or prefix); the tally is split into rule families (the rule file's name)
grouped as ``generic`` (``generic.go``: names like ``api_key =`` without a provider) and
``provider`` (the rest).

``--source-tree DIR``: adds the findings in a source tree where names like ``api_key`` and
``token`` abound but credentials should not (``.py``, ``.md``, ``.toml``, ``.yaml``,
``.json`` files outside ``tests/``, ``.venv`` and ``node_modules``, each read whole); for this
project's own tree, ``--source-tree .``.

``--detect-secrets``: a git directory of Yelp/detect-secrets (Apache-2.0), read at
``DS_COMMIT``; adds the lines of its plugin tests (``tests/plugins/*_test.py``) that a
``pytest.mark.parametrize`` list gives as literals with a boolean "should flag" (read with
``ast.literal_eval``, nothing is run). Its labels say whether *the plugin's pattern* should
match, so many of its positives are shapes filled with ``x`` or ``Z`` that a detector of real
credentials leaves alone; the public-IP plugin's lines (not secrets) are left out.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import re
import string
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from behest.gateway.guard.secrets import detect_secrets

COMMIT = "b58d3f102cf3a2c84cb7f923d05c25c9b1aed84b"
RULES = "cmd/generate/config/rules"
DS_COMMIT = "5e141933554a0b74e7341841f318be21e895339c"
DS_TESTS = "tests/plugins"
DEV = Path(__file__).resolve().parents[1] / ".." / "shared" / "evaldata" / "secrets_dev.jsonl"

_TOKEN = re.compile(
    r"//[^\n]*|/\*.*?\*/|`(?P<raw>[^`]*)`|\"(?P<str>(?:[^\"\\\n]|\\.)*)\"|(?P<word>[A-Za-z_][\w.]*)|(?P<op>:=|\S)",
    re.S,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'", "0": "\0"}


def git(git_dir: Path, *args: str) -> str:
    cmd = ["git", f"--git-dir={git_dir}", *args]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def unquote(body: str) -> str:
    """A Go interpreted string literal's value (the escapes the rule files use)."""

    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        if code[0] in "xu":
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, "\\" + code)

    return re.sub(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)", one, body)


def tokens(source: str) -> list[tuple[str, str]]:
    """``(kind, value)`` with kind ``s`` (string literal), ``w`` (word) or ``o`` (operator)."""
    out = []
    for m in _TOKEN.finditer(source):
        if m.group("raw") is not None:
            out.append(("s", m.group("raw")))
        elif m.group("str") is not None:
            out.append(("s", unquote(m.group("str"))))
        elif m.group("word"):
            out.append(("w", m.group("word")))
        elif m.group("op"):
            out.append(("o", m.group("op")))
    return out


def items(toks: list[tuple[str, str]], at: int, close: str) -> Iterator[list[tuple[str, str]]]:
    """The comma-separated top-level items from ``at`` up to the bracket ``close``."""
    depth, item = 0, []
    for kind, value in toks[at:]:
        if kind == "o" and value in "([{":
            depth += 1
        elif kind == "o" and value in ")]}":
            if depth == 0 and value == close:
                if item:
                    yield item
                return
            depth -= 1
        if depth == 0 and (kind, value) == ("o", ","):
            if item:
                yield item
            item = []
        else:
            item.append((kind, value))


def literal(item: list[tuple[str, str]]) -> str | None:
    """The value of ``"a" + `b` + …``, or ``None`` when anything else takes part."""
    if any(kind != "s" and (kind, value) != ("o", "+") for kind, value in item):
        return None
    return "".join(value for kind, value in item if kind == "s")


def sample(item: list[tuple[str, str]]) -> str | None:
    """``utils.GenerateSampleSecret(s)("id", <literal>)`` rendered once; else ``None``."""
    if not item or item[0] not in (
        ("w", "utils.GenerateSampleSecret"),
        ("w", "utils.GenerateSampleSecrets"),
    ):
        return None
    args = list(items(item, 2, ")"))
    if (
        len(args) != 2
        or (ident := literal(args[0])) is None
        or (secret := literal(args[1])) is None
    ):
        return None
    return f'{ident}_api_token = "{secret}"'


def examples(source: str) -> Iterator[tuple[int, str]]:
    """``(label, text)`` for each literal tps (1) and fps (0) item of one rule file."""
    toks = tokens(source)
    for i, (kind, value) in enumerate(toks[:-3]):
        if kind != "w" or value not in ("tps", "fps") or toks[i + 1][1] not in (":=", "="):
            continue
        label = int(value == "tps")
        nxt = toks[i + 2]
        if nxt == ("w", "append"):  # tps = append(tps, a, b...)
            found = list(items(toks, i + 4, ")"))[1:]
        elif nxt[1] == "[":  # tps := []string{...}
            found = list(items(toks, i + 6, "}"))
        else:  # tps := utils.GenerateSampleSecrets(...)
            found = [toks[i + 2 : i + 2 + 1 + _call_length(toks, i + 3)]]
        for spread in found:
            item = [t for t in spread if t != ("o", ".")]  # drop a trailing "..." spread
            text = literal(item) if item and item[0][0] == "s" else sample(item)
            if text and text.strip():
                yield label, text


def _call_length(toks: list[tuple[str, str]], at: int) -> int:
    """How many tokens the parenthesised call arguments starting at ``at`` span."""
    depth = 0
    for n, (kind, value) in enumerate(toks[at:], 1):
        depth += (kind, value) == ("o", "(")
        depth -= (kind, value) == ("o", ")")
        if depth == 0:
            return n
    return 0


def corpus(git_dir: Path) -> Iterator[tuple[str, str, int, str]]:
    """``(family, rule file, label, text)``, each text once, none also in the dev split."""
    dev = [json.loads(line)["text"] for line in DEV.read_text().splitlines() if line.strip()]
    seen: set[str] = set()
    names = git(git_dir, "ls-tree", "--name-only", f"{COMMIT}:{RULES}").split()
    for name in sorted(n for n in names if n.endswith(".go") and not n.endswith("_test.go")):
        source = git(git_dir, "show", f"{COMMIT}:{RULES}/{name}")
        for label, text in examples(source):
            if text in seen or any(text in d or d in text for d in dev):
                continue
            seen.add(text)
            family = "generic" if name == "generic.go" else "provider"
            yield family, name, label, text


def parametrized_lines(source: str) -> Iterator[tuple[int, str]]:
    """``(label, line)`` of each literal ``(line, …, should_flag, …)`` parametrize case."""
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", "") == "parametrize"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.List)
        ):
            continue
        for case in node.args[1].elts:
            try:
                value = ast.literal_eval(case)
            except ValueError:
                continue
            if isinstance(value, tuple) and value and isinstance(value[0], str):
                flags = [x for x in value[1:] if isinstance(x, bool)]
                if flags:
                    yield int(flags[0]), value[0]


def detect_secrets_corpus(git_dir: Path) -> Iterator[tuple[str, str, int, str]]:
    names = git(git_dir, "ls-tree", "--name-only", f"{DS_COMMIT}:{DS_TESTS}").split()
    seen: set[str] = set()
    for name in sorted(n for n in names if n.endswith("_test.py") and n != "ip_public_test.py"):
        for label, text in parametrized_lines(
            git(git_dir, "show", f"{DS_COMMIT}:{DS_TESTS}/{name}")
        ):
            if text.strip() and text not in seen:
                seen.add(text)
                yield "detect-secrets", name, label, text


def formats(git_dir: Path, seed: int = 7) -> Iterator[tuple[str, str, int, str]]:
    """Each ``GenerateSampleSecrets`` template with a few names and random secrets."""
    source = git(git_dir, "show", f"{COMMIT}:cmd/generate/config/utils/generate.go")
    block = source[source.index("samples := map[string]string{") : source.index("replacer :=")]
    templates = [
        (kind, value)
        for line in block.splitlines()
        if not line.strip().startswith("//")
        for kind, value in [(k, literal(v)) for k, v in _template(line)]
        if value
    ]
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits
    for ident in ("foo", "stripe", "myService", "db"):
        for _ in range(5):
            secret = "".join(rng.choice(alphabet) for _ in range(32))
            for kind, template in templates:
                text = template.replace("{i}", ident).replace("{I}", ident.upper())
                yield "formats", kind, 1, text.replace("{s}", secret)


def _template(line: str) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    toks = tokens(line)
    if len(toks) >= 3 and toks[0][0] == "s" and toks[1] == ("o", ":"):
        yield toks[0][1], [t for t in toks[2:] if t != ("o", ",")]


def source_files(root: Path) -> Iterator[tuple[Path, str]]:
    skip = {"tests", ".venv", "node_modules", ".git"}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.suffix in (".py", ".md", ".toml", ".yaml", ".yml", ".json") and skip.isdisjoint(
            rel.parts
        ):
            yield rel, path.read_text(errors="replace")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gitleaks", type=Path, required=True)
    parser.add_argument("--detect-secrets", type=Path)
    parser.add_argument("--source-tree", type=Path)
    parser.add_argument("--show-errors", type=int, default=0)
    args = parser.parse_args()
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # n, flagged
    errors: list[tuple[str, int, str]] = []
    ds = detect_secrets_corpus(args.detect_secrets) if args.detect_secrets else iter(())
    for family, name, label, text in [*corpus(args.gitleaks), *formats(args.gitleaks), *ds]:
        flagged = bool(detect_secrets(text))
        kind = "positives" if label else "look-alikes"
        gitleaks = family not in ("detect-secrets", "formats")
        for key in (f"{family} {kind}", f"all {kind}")[: 2 if gitleaks else 1]:
            tally[key][0] += 1
            tally[key][1] += flagged
        if flagged != bool(label):
            errors.append((name, label, text))
    print("| examples | n | flagged | measure |\n| --- | ---: | ---: | --- |")
    for key, (n, hit) in sorted(tally.items()):
        measure = f"recall {hit / n:.3f}" if "positives" in key else f"FPR {hit / n:.3f}"
        print(f"| {key} | {n} | {hit} | {measure} |")
    if args.source_tree:
        found = [
            (rel, text[f.start : f.end])
            for rel, text in source_files(args.source_tree)
            for f in detect_secrets(text)
        ]
        files = sum(1 for _ in source_files(args.source_tree))
        print(f"\nsource tree {args.source_tree}: {len(found)} findings in {files} files")
        for rel, value in found[: args.show_errors]:
            print(f"  {rel}: {value[:60]!r}")
    for name, label, text in errors[: args.show_errors]:
        kind = "missed" if label else "false alarm"
        print(f"{kind:11} {name:24} {text[:160]!r}")


if __name__ == "__main__":
    main()
