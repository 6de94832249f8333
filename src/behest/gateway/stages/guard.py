"""The guard stages: the policy over what the model will see, placeholders restored after."""

from __future__ import annotations

from behest.gateway.guard import inspect_request
from behest.gateway.providers.base import JSON
from behest.gateway.stages.flight import Flight

GUARD_HEADER = "x-behest-guard"


def guard_request(flight: Flight) -> None:
    if flight.call.operation != "chat":
        return
    result = inspect_request(flight.call.body, flight.project.guard)
    flight.guard = result
    flight.call.body = result.body
    flight.headers[GUARD_HEADER] = result.report.header_value()


def restore_reply(flight: Flight, body: JSON) -> JSON:
    restorer = flight.guard.restorer if flight.guard else None
    return restorer.restore_completion(body) if restorer else body
