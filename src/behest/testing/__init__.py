"""Faithful mock upstreams (OpenAI, Anthropic, Gemini) for tests, demos and benchmarks.

Each mock is an aiohttp application built by ``build_app(faults)``; faults can be set
in code (:class:`Faults`) or over HTTP with ``POST /__mock__/faults`` so that tests
driving the gateway from the outside can inject them too.
"""

from behest.testing.faults import Faults

__all__ = ["Faults"]
