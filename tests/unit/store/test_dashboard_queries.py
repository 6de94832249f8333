"""The store's reads for the dashboard, on SQLite and PostgreSQL: meta by prefix, threads
by user, the latest usage records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from behest.gateway.store import Database
from behest.gateway.store.threads_queries import ThreadKey
from behest.gateway.store.usage_record import TokenCounts, UsageRecord


def test_meta_entries_are_listed_by_prefix_and_deleted(db: Database) -> None:
    db.set_meta("dashboard_session:a", "1")
    db.set_meta("dashboard_session:b", "2")
    db.set_meta("other", "3")
    assert db.meta_items("dashboard_session:") == {
        "dashboard_session:a": "1",
        "dashboard_session:b": "2",
    }
    db.delete_meta("dashboard_session:a")
    assert db.get_meta("dashboard_session:a") is None
    assert db.get_meta("other") == "3"


def test_threads_are_found_by_user_newest_first_within_the_project(db: Database) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for index, (project, user) in enumerate(
        [("p1", "ann"), ("p1", "bob"), ("p1", "ann"), ("p2", "ann")]
    ):
        key = ThreadKey(project, f"t{index}", user)
        db.create_thread(key, {}, start + timedelta(minutes=index))
    assert [t.id for t in db.find_threads("p1", "ann")] == ["t2", "t0"]
    assert [t.id for t in db.find_threads("p1")] == ["t2", "t1", "t0"]
    assert [t.id for t in db.find_threads("p1", limit=1)] == ["t2"]


def test_recent_usage_reads_back_the_records_newest_first(db: Database) -> None:
    noon = datetime(2026, 1, 1, 12, tzinfo=UTC)
    records = [
        UsageRecord(
            f"req_{i}",
            "p1",
            "ann",
            "s",
            "gpt-4o-mini",
            model_served="gpt-4o-mini",
            provider="openai",
            tokens=TokenCounts(10, 5),
            cost_usd=0.25,
            latency_ms=40,
            status=200 if i else 429,
            error_type=None if i else "rate_limit_exceeded",
            guardrail="redact",
            created_at=noon + timedelta(seconds=i),
        )
        for i in range(3)
    ]
    db.insert_usage(records)
    db.insert_usage([UsageRecord("other", "p2", "x", "s", "m", created_at=noon)])
    found = db.recent_usage("p1", limit=2)
    assert [r.request_id for r in found] == ["req_2", "req_1"]
    assert found[0] == records[2]
    assert db.recent_usage("p1")[-1].error_type == "rate_limit_exceeded"


def test_api_key_last_use_only_moves_forward_and_bumps_no_config_version(db: Database) -> None:
    from behest.gateway.store import ApiKeyRecord

    db.create_project("p1", "P", {})
    db.create_api_key(ApiKeyRecord("k1", "p1", "n", "pre", "hash", datetime.now(UTC)))
    version = db.config_version()
    later = datetime(2026, 5, 1, 12, tzinfo=UTC)
    db.touch_api_keys({"k1": later, "unknown": later})
    db.touch_api_keys({"k1": later - timedelta(days=1)})
    assert db.list_api_keys("p1")[0].last_used_at == later
    assert db.config_version() == version
