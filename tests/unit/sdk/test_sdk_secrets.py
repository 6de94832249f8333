"""Keys and tokens stay out of reprs, messages and logs; ``import behest`` stays light."""

from __future__ import annotations

import logging
import subprocess
import sys

import openai
import pytest
from fake_gateway import BASE, KEY, FakeGateway, error

from behest import Behest
from behest.sdk.config import load_config

HELLO = [{"role": "user", "content": "x"}]


def test_no_repr_shows_the_key_or_a_token(gateway: FakeGateway) -> None:
    behest = Behest(KEY, base_url=BASE, http_client=gateway.sync_client())
    behest.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "x"}], user_id="u"
    )
    minted = behest.tokens.mint("u")
    shown = " ".join(
        [
            *(repr(behest), str(behest), repr(behest.config), repr(load_config(KEY, BASE))),
            *(repr(minted), str(minted), repr(behest.chat.completions), repr(behest._users)),
        ]
    )
    assert KEY not in shown and "tok-" not in shown


def test_debug_logs_show_neither(gateway: FakeGateway, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    behest = Behest(KEY, base_url=BASE, http_client=gateway.sync_client())
    behest.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "x"}], user_id="u"
    )
    gateway.mint_reply = lambda _: error(401, "invalid_api_key")
    with pytest.raises(openai.AuthenticationError) as refused:
        Behest(KEY, base_url=BASE, http_client=gateway.sync_client(), max_retries=0).tokens.mint(
            "v"
        )
    assert KEY not in caplog.text and "tok-1" not in caplog.text
    assert KEY not in str(refused.value) and KEY not in repr(refused.value)


def test_importing_behest_loads_neither_the_gateway_nor_openai() -> None:
    code = (
        "import sys, behest; "
        "assert not [m for m in sys.modules if m.startswith(('behest.gateway', 'openai', "
        "'aiohttp', 'behest.sdk'))], sorted(sys.modules); "
        "from behest import Behest, AsyncBehest; "
        "assert not [m for m in sys.modules if m.startswith('behest.gateway')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
