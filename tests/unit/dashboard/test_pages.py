"""The pure parts of the pages: escaping, forms → admin payloads, the guard's try-it box."""

from __future__ import annotations

import pytest

from behest.gateway.config.project_settings import ProjectSettings
from behest.gateway.dashboard.html import Html, esc, layout, table, tag
from behest.gateway.dashboard.projects_pages import form_values, settings_from_form
from behest.gateway.dashboard.providers_pages import credential_from_form, key_hint, shown_url
from behest.gateway.errors import InvalidRequest


def test_text_is_escaped_and_markup_is_not() -> None:
    assert esc('<script>"x"</script>') == "&lt;script&gt;&quot;x&quot;&lt;/script&gt;"
    assert esc(Html("<b>ok</b>")) == "<b>ok</b>"
    assert tag("td", "<img src=x>", title='a"b') == '<td title="a&quot;b">&lt;img src=x&gt;</td>'


def test_table_cells_and_titles_are_escaped() -> None:
    html = table(["Name"], [["<i>evil</i>"]])
    assert "<i>" not in html and "&lt;i&gt;evil" in html
    assert "<title>&lt;x&gt; · behest</title>" in layout("<x>", "")


def test_signed_out_layout_has_no_navigation_and_charts_load_only_when_asked() -> None:
    assert "Sign out" not in layout("t", "")
    assert "Sign out" in layout("t", "", "csrf")
    assert "chart.umd.min.js" not in layout("t", "", "csrf")
    assert "chart.umd.min.js" in layout("t", "", "csrf", charts=True)


def test_the_settings_form_becomes_the_admin_apis_settings() -> None:
    form = {
        "cors_origins": "https://a.example\n\n https://b.example ",
        "jwt_ttl_s": "600",
        "aliases": "fast = openai/gpt-4o-mini\nsmart=anthropic/claude-sonnet-4-5",
        "thread_retention_days": "",
        "allow_api_key_access": "on",
    }
    assert settings_from_form(form) == {
        "allow_api_key_access": True,
        "jwt_ttl_s": 600,
        "cors_origins": ["https://a.example", "https://b.example"],
        "aliases": {"fast": "openai/gpt-4o-mini", "smart": "anthropic/claude-sonnet-4-5"},
        "thread_retention_days": None,
        "price_overrides": {},
    }


def test_stored_settings_show_in_the_form_and_read_back_the_same() -> None:
    settings = {
        "allow_api_key_access": False,
        "jwt_ttl_s": 300,
        "cors_origins": ["https://a.example"],
        "aliases": {"fast": "openai/gpt-4o-mini"},
        "thread_retention_days": 30,
        "price_overrides": {"openai/gpt-4o-mini": {"input_per_mtok": 0.1}},
    }
    assert settings_from_form(form_values(settings)) == settings


def test_saving_the_settings_form_keeps_the_routing_settings_it_does_not_show() -> None:
    routing = {
        "auto": {"candidates": ["gpt-4o-mini", "claude-haiku-4-5"], "prefer": "cost"},
        "routes": {"cheap-vision": {"candidates": ["gemini-2.5-flash"], "prefer": "order"}},
        "fallbacks": {"gpt-4o-mini": ["claude-haiku-4-5"]},
    }
    stored = ProjectSettings.from_dict(routing)
    saved = stored.merged(settings_from_form(form_values(stored.to_dict())))
    assert saved == stored and saved.routing().auto_routes == stored.routing().auto_routes


def test_price_overrides_must_be_a_json_object() -> None:
    with pytest.raises(InvalidRequest, match="price_overrides must be a JSON object"):
        settings_from_form({"price_overrides": "[1]"})
    with pytest.raises(InvalidRequest, match="price_overrides must be a JSON object"):
        settings_from_form({"price_overrides": "{nope"})


def test_a_non_number_is_passed_on_for_the_service_to_refuse() -> None:
    assert settings_from_form({"jwt_ttl_s": "soon"})["jwt_ttl_s"] == "soon"
    assert settings_from_form({"jwt_ttl_s": ""})["jwt_ttl_s"] == 900


def test_an_alias_line_without_a_model_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="alias = model"):
        settings_from_form({"aliases": "fast"})


def test_the_provider_form_becomes_a_credential() -> None:
    form = {"provider": " openai ", "api_key": "sk-1", "models": "gpt-4o*, gpt-4o-mini\no1"}
    assert credential_from_form(form) == {
        "provider": "openai",
        "name": "",
        "api_key": "sk-1",
        "base_url": "",
        "models": ["gpt-4o*", "gpt-4o-mini", "o1"],
    }


def test_only_a_long_keys_last_four_characters_are_shown() -> None:
    assert key_hint("sk-proj-abcdefgh1234") == "…1234"
    assert key_hint("abcdefgh1234") == "…1234"
    assert key_hint("abcdefgh123") == "…"
    assert key_hint("sk-1") == "…"


def test_a_base_urls_userinfo_query_and_fragment_are_not_shown() -> None:
    url = "https://user:s3cret@llm.example:8443/v1?api-key=s3cret&x=1#s3cret"
    assert shown_url(url) == "https://llm.example:8443/v1"
    assert shown_url("http://localhost:11434/v1") == "http://localhost:11434/v1"
    assert shown_url("http://[::1/v1") == "(not shown)"
