"""Person names and places: ordinary capitalised words stay unflagged, names and places do not."""

from __future__ import annotations

import pytest

from behest.gateway.guard import detect_pii
from behest.gateway.guard.locations import detect_locations
from behest.gateway.guard.people import detect_persons


def spans(text: str, kind: str) -> list[str]:
    return [text[f.start : f.end] for f in detect_pii(text) if f.type == kind]


@pytest.mark.parametrize(
    "text",
    [
        "Will it rain tomorrow, or should we go ahead with the picnic?",
        "May I ask a quick question about the invoice?",
        "Apple Pie is the dessert everyone asked for.",
        "Getting Started With Docker Compose\n\nInstall the plugin first.",
        "We deployed it in Kubernetes on Monday and it has worked since.",
        "Our team keeps the code on GitHub and the data in PostgreSQL.",
        "The band Metallica released a new album in November.",
        "The whole manual is written in English and Spanish.",
        "Please summarise the Quarterly Review For Investors below.",
        "Grace Period Rules apply to every subscription.",
        "Brightline Research announced a new model.",
        "Summer Sale: everything must go before Christmas.",
        "You May Also Like These Articles",
        "Next we switch to Kubernetes and move on.",  # an unlisted word after "to" needs more
    ],
)
def test_ordinary_capitalised_words_are_no_names(text: str) -> None:
    assert spans(text, "PERSON") == []


@pytest.mark.parametrize(
    "text",
    [
        "We deployed it in Kubernetes on Monday and it has worked since.",
        "The whole manual is written in English and Spanish.",
        "Write the report in Markdown, then convert it with Pandoc.",
        "The Quick Brown Fox is a typing exercise.",
    ],
)
def test_ordinary_capitalised_words_are_no_places(text: str) -> None:
    assert spans(text, "LOCATION") == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Yesterday I had lunch with Maria Schneider at the canteen.", "Maria Schneider"),
        ("The results were checked by Dr. Okonkwo before release.", "Okonkwo"),
        ("Thanks for the help,\nregards, Tomasz", "Tomasz"),
        ("My name is Ingrid Halvorsen and I need a refund.", "Ingrid Halvorsen"),
        ("Could you forward this to Rosalind before noon?", "Rosalind"),
        ("Will Turner said he signed the lease.", "Will Turner"),
        ("Hi Ulrike, the meeting moved to three.", "Ulrike"),
    ],
)
def test_names_still_found(text: str, name: str) -> None:
    assert name in spans(text, "PERSON")


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("Our new office is in Lisbon, close to the river.", "Lisbon"),
        ("She moved here from Vilnius two years ago.", "Vilnius"),
        ("I grew up in Oberkirchbach, a village nobody knows.", "Oberkirchbach"),
        ("Please send the parcel to 12 Rosewood Lane.", "12 Rosewood Lane"),
        ("The shop on Hawthorne Cross Street closes early.", "Hawthorne Cross Street"),
    ],
)
def test_places_still_found(text: str, place: str) -> None:
    assert any(place in found for found in spans(text, "LOCATION"))


def test_a_name_inside_an_address_is_the_street() -> None:
    text = "Ship it to 41 Victor Hugo Street, Apt. 3, Lyon."
    assert spans(text, "PERSON") == []
    assert spans(text, "LOCATION")


def test_a_name_found_once_is_found_again() -> None:
    text = "Dear Oksana, thank you. I told the others that Oksana will join."
    assert [text[f.start : f.end] for f in detect_persons(text)] == ["Oksana", "Oksana"]


def test_envelope_name_before_an_address() -> None:
    text = "Halvard Quist\n221 Elm Street\nSpringfield"
    assert "Halvard Quist" in spans(text, "PERSON")
    assert [text[f.start : f.end] for f in detect_locations(text)][:1] == ["221 Elm Street"]
