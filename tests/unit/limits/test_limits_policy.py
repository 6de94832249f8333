"""Policy JSON: round trips, validation errors, user limit resolution."""

from __future__ import annotations

from typing import Any

import pytest

from behest.gateway.errors import InvalidRequest
from behest.gateway.limits import FailureMode, GatewayLimits, LimitPolicy, RateLimit

FULL: dict[str, Any] = {
    "project": {"rpm": 600, "tpm": 200_000},
    "user": {
        "rpm": 20,
        "tpm": 40_000,
        "tiers": {"pro": {"rpm": 100}},
        "overrides": {"user-42": {"tpm": 5}},
    },
    "ip": {"rpm": 60, "mint_rpm": 10},
    "budgets": {
        "timezone": "Europe/Berlin",
        "project": {"daily": {"tokens": 5_000_000, "cost_usd": 50.0}},
        "user": {"monthly": {"cost_usd": 5.0}},
    },
    "credentials": {"cred_1": {"rpm": 500, "tpm": 800_000}},
    "on_redis_error": "fail_closed",
}


def test_round_trip() -> None:
    policy = LimitPolicy.from_dict(FULL)
    assert policy.to_dict() == FULL
    assert LimitPolicy.from_dict(policy.to_dict()) == policy
    assert policy.on_redis_error is FailureMode.CLOSED


def test_empty_policy_limits_nothing_and_fails_open() -> None:
    assert LimitPolicy.from_dict({}) == LimitPolicy()
    assert LimitPolicy.from_dict(None).to_dict() == {"on_redis_error": "fail_open"}


def test_user_resolution_override_then_tier_then_default() -> None:
    users = LimitPolicy.from_dict(FULL).user
    assert users.for_user("anyone", None) == RateLimit(20, 40_000)
    assert users.for_user("anyone", "pro") == RateLimit(100, 40_000)
    assert users.for_user("anyone", "unknown-tier") == RateLimit(20, 40_000)
    assert users.for_user("user-42", "pro") == RateLimit(100, 5)


@pytest.mark.parametrize(
    ("data", "param"),
    [
        ({"project": {"rpm": 0}}, "limits.project.rpm"),
        ({"project": {"rpm": 1.5}}, "limits.project.rpm"),
        ({"project": {"rpm": True}}, "limits.project.rpm"),
        ({"project": {"rqm": 1}}, "limits.project"),
        ({"project": []}, "limits.project"),
        ({"user": {"tiers": {"": {"rpm": 1}}}}, "limits.user.tiers"),
        ({"user": {"overrides": {"x": {"tpm": -1}}}}, "limits.user.overrides.x.tpm"),
        ({"budgets": {"timezone": "Mars/Olympus"}}, "limits.budgets"),
        ({"budgets": {"user": {"daily": {"cost_usd": -1}}}}, "limits.budgets.user.daily.cost_usd"),
        ({"budgets": {"user": {"weekly": {}}}}, "limits.budgets.user"),
        ({"credentials": {"c": {"rpm": "5"}}}, "limits.credentials.c.rpm"),
        ({"on_redis_error": "maybe"}, "limits.on_redis_error"),
        ({"surprise": 1}, "limits"),
        ([1], "limits"),
    ],
)
def test_invalid_policies_name_the_field(data: Any, param: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        LimitPolicy.from_dict(data)
    assert caught.value.param == param
    assert caught.value.status == 400


def test_budget_of_zero_blocks_and_is_kept() -> None:
    data = {"budgets": {"timezone": "UTC", "user": {"daily": {"tokens": 0}}}}
    assert LimitPolicy.from_dict(data).to_dict()["budgets"] == data["budgets"]


def test_gateway_limits_validate() -> None:
    with pytest.raises(InvalidRequest):
        GatewayLimits(concurrency=0)
    with pytest.raises(InvalidRequest):
        GatewayLimits(lease_seconds=0)
