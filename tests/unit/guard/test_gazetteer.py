"""The packed word lists answer exactly as frozensets of the lists' lines would."""

from __future__ import annotations

from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st

from behest.gateway.guard import gazetteer
from behest.gateway.guard.gazetteer import WordSet

LISTS = {
    "first_names.txt": gazetteer.first_names,
    "last_names.txt": gazetteer.last_names,
    "places.txt": gazetteer.places,
    "common_words.txt": gazetteer.common_words,
}


def _lines(text: str) -> frozenset[str]:
    return frozenset(line for line in text.splitlines() if line)


@pytest.mark.parametrize("name", sorted(LISTS))
def test_each_shipped_list_holds_exactly_its_lines(name: str) -> None:
    text = files("behest.gateway.guard").joinpath("data", name).read_text(encoding="utf-8")
    expected = _lines(text)
    packed = LISTS[name]()

    assert len(packed) == len(expected)
    assert frozenset(packed) == expected
    assert all(word in packed for word in expected)
    near = [f"{w}x" for w in expected] + [w.upper() for w in expected] + [w[:-1] for w in expected]
    assert [w in packed for w in near] == [w in expected for w in near]


def test_the_shipped_lists_are_cut_without_sorting() -> None:
    """Sorted, distinct lines are what lets the packing skip a string per word."""
    for name in LISTS:
        text = files("behest.gateway.guard").joinpath("data", name).read_text(encoding="utf-8")
        lines = text.splitlines()
        assert lines == sorted(set(lines)), name


words = st.text(st.sampled_from("ab\n\r é"), max_size=6)


@given(st.lists(words, max_size=40), st.lists(words, max_size=20))
def test_membership_equals_a_frozenset_of_the_lines(lines: list[str], probes: list[str]) -> None:
    text = "\n".join(lines)
    expected = _lines(text)
    packed = WordSet(text)

    assert [p in packed for p in probes + lines] == [p in expected for p in probes + lines]
    assert sorted(packed) == sorted(expected)
    assert len(packed) == len(expected)


@given(st.lists(st.text(st.sampled_from("abcz"), min_size=1, max_size=5), max_size=60))
def test_sorted_lists_are_found_whatever_the_bucket_edges(lines: list[str]) -> None:
    text = "".join(f"{line}\n" for line in sorted(set(lines)))
    packed = WordSet(text)
    probes = [*lines, *(f"a{line}" for line in lines), *(f"{line}a" for line in lines), "0", "~"]

    assert [p in packed for p in probes] == [p in set(lines) for p in probes]


def test_non_strings_and_phrases_across_lines_are_not_members() -> None:
    packed = WordSet("New\nYork\n")

    assert "New" in packed and "York" in packed
    assert "New\nYork" not in packed
    assert "" not in packed
    assert 3 not in packed
