"""Run the guard on fresh texts inside one ``itertools.starmap`` call, for instruction counts.

    valgrind --tool=callgrind --toggle-collect=starmap_next \\
        .venv/bin/python bench/guard_instructions.py {pii|inspect} {big|small}

callgrind then counts only the work inside that call (its "Collected" line): ``detect_pii``
on each text, or ``inspect_request`` on each body, of two fresh 100 KB prompts (``big``) or
100 fresh small chats (``small``) from ``guard_speed.py``, after a warm-up that loads the
word lists and libraries. Instruction counts do not depend on the machine's load.
"""

from __future__ import annotations

import contextlib
import itertools
import sys
from typing import Any

from guard_speed import POLICIES, prompt_body, prose, small_body

from behest.gateway.errors import GuardrailBlocked
from behest.gateway.guard import inspect_request
from behest.gateway.guard.pii import detect_pii


def main() -> None:
    what, size = sys.argv[1], sys.argv[2]
    policy = POLICIES["default"]
    detect_pii(prose(100_000, 4242))
    inspect_request(small_body(-1), policy)
    inspect_request(prompt_body(100_000, 4243), policy)
    if size == "big":
        bodies = [prompt_body(100_000, 555 + i) for i in range(2)]
    else:
        bodies = [small_body(777 + i) for i in range(100)]

    def work(body: dict[str, Any]) -> None:
        if what == "pii":
            for message in body["messages"]:
                detect_pii(message["content"])
        else:
            with contextlib.suppress(GuardrailBlocked):
                inspect_request(body, policy)

    list(itertools.starmap(work, [(body,) for body in bodies]))


if __name__ == "__main__":
    main()
