"""``resolve_overlaps`` keeps what the pairwise rule keeps, in the same order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from behest.gateway.guard.findings import Finding, resolve_overlaps


def pairwise(findings: list[Finding]) -> list[Finding]:
    """The rule stated plainly: best first, kept unless it overlaps one already kept."""
    ranked = sorted(findings, key=lambda f: (-f.score, -(f.end - f.start), f.start))
    kept: list[Finding] = []
    for finding in ranked:
        if not any(finding.overlaps(k) for k in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)


@st.composite
def finding(draw: st.DrawFn) -> Finding:
    start = draw(st.integers(0, 40))
    end = start + draw(st.integers(0, 12))  # empty spans too: detectors may return them
    return Finding(start, end, draw(st.sampled_from("ABC")), draw(st.sampled_from((0.5, 0.9))))


@settings(max_examples=500, deadline=None)
@given(st.lists(finding(), max_size=30))
def test_resolve_overlaps_equals_the_pairwise_rule(findings: list[Finding]) -> None:
    assert resolve_overlaps(findings) == pairwise(findings)


def test_many_disjoint_findings_are_all_kept_in_order() -> None:
    findings = [Finding(i * 10, i * 10 + 5, "EMAIL", 0.9) for i in reversed(range(5000))]
    assert resolve_overlaps(findings) == sorted(findings, key=lambda f: f.start)


def test_a_better_finding_displaces_the_ones_it_covers() -> None:
    wide = Finding(0, 20, "LOCATION", 0.9)
    inside = [Finding(2, 5, "PERSON", 0.6), Finding(8, 12, "PHONE", 0.6)]
    assert resolve_overlaps([*inside, wide]) == [wide]
    assert resolve_overlaps([Finding(0, 3, "A", 0.5), Finding(3, 6, "B", 0.5)]) == [
        Finding(0, 3, "A", 0.5),
        Finding(3, 6, "B", 0.5),
    ]
