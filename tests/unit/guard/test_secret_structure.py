"""Secrets precision, second part: provider structures checked offline, names that name
something else than a credential, values that are references, paths or patterned fakes."""

from __future__ import annotations

import base64
import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from behest.gateway.guard import detect_secrets
from behest.gateway.guard.secret_checks import (
    _run_of_six,
    looks_like_example,
    not_a_credential,
    secret_name,
    structure_ok,
)


def b64url(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def jwt(header: object) -> str:
    return (
        f"{b64url(header)}.{b64url({'uid': 'r7Kq2', 'exp': 1893456000})}.Tq9vLw2mXz8RbN4cKp7yHs3d"
    )


@pytest.mark.parametrize(
    "token",
    [
        "xoxb-4718290375-5523019846-Gq7vK2xW9mTz4LpB8nYc3HdF",
        "xoxp-11873098179-111402824422-234336993777-b96c9fb3b69f82ebb79d12f280779de1",
        "xoxe-1-My0xLTM0MTQwNDE0MDE3Ni01MTgyMDc1NDk2MDgwLTU0MjQ1NjIwNzgx",
        "AKIAQ3EGT7KZLMW4XR2D",
        "ASIAZ5JYH2N6VBQW3T7P",
    ],
)
def test_provider_structures_that_hold(token: str) -> None:
    assert structure_ok(token)
    assert detect_secrets(f"value {token}"), token


@pytest.mark.parametrize(
    "token",
    [
        "xoxb-12345-abcd234",  # a team number of five digits
        "xoxb-abcdef-abcdef",
        "xoxp-1234-1234-1234-4ddbc191d40ee098cbaae6f3523ada2d",
        "AKIAQ3EGT7KZLMW4XR0D",  # a 0 is no base32 character
        "AKIA1189QZWX7TRP3LKM",
    ],
)
def test_provider_structures_that_fail(token: str) -> None:
    assert not structure_ok(token)
    assert detect_secrets(f"value {token}") == [], token


def test_jwt_header_names_its_algorithm() -> None:
    real = jwt({"alg": "HS256", "typ": "JWT"})
    assert structure_ok(real) and detect_secrets(f"Authorization: Bearer {real}")
    no_alg = jwt({"typ": "JWT", "kid": "k1"})
    assert not structure_ok(no_alg)
    not_json = "eyJub3QganNvbiBhdCBhbGw.eyJ1aWQiOiJyN0txMiJ9.Tq9vLw2mXz8RbN4cKp7yHs3d"
    assert not structure_ok(not_json)
    assert detect_secrets(f"see {not_json}") == []


def test_private_key_needs_a_body() -> None:
    assert detect_secrets("-----BEGIN PRIVATE KEY-----\nanything\n-----END PRIVATE KEY-----") == []
    assert (
        detect_secrets("-----BEGIN OPENSSH PRIVATE KEY----------END OPENSSH PRIVATE KEY-----") == []
    )
    body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"
    assert detect_secrets(f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----")


def test_prefixed_token_made_of_words_is_a_name() -> None:
    assert not structure_ok("hf_requiredCharacteristicTypesForDisplayMetadata")
    assert detect_secrets("- (id)hf_requiredCharacteristicTypesForDisplayMetadata;") == []
    assert detect_secrets("HF_TOKEN=hf_Qz7rKp2WmX9vTb4Lc8NyD3sHf6JaG1eUo5") != []


@pytest.mark.parametrize(
    "text",
    [
        '"token4": "xoxp-572370529330-573807301142-572331691188-####################"',
        "export OP_SERVICE_ACCOUNT_TOKEN=ops_eyJzaWduSW5BZGRyZXNzIjoiaHR0cHM6...",
        "xoxe.xoxp-1-SlackAppConfigurationAccessTokenHere",
    ],
)
def test_masked_truncated_and_here_examples(text: str) -> None:
    assert detect_secrets(text) == [], text


def test_runs_of_the_alphabet() -> None:
    assert _run_of_six("sk-ant-api03-abc123xyz-klMnopqrstuvwx")
    assert _run_of_six("key-987654-zz")
    assert not _run_of_six("Gq7vK2xW9mTz4LpB8nYc3HdF")
    assert not _run_of_six("a1b2c3d4e5f6")  # letters and digits do not make one run
    assert looks_like_example("sk-ant-api03-abc123xyz-456de-klMnopqrstuvwx-3456yza789bcde")


@pytest.mark.parametrize(
    "name",
    ["api_key", "OP_SERVICE_ACCOUNT_TOKEN", "serviceAccountToken", "PGPASSWORD", "client-secret",
     "mySecretString", "Authorization", "x-api-key", "SECRET_KEY_BASE"],
)  # fmt: skip
def test_secret_names(name: str) -> None:
    assert secret_name(name)


@pytest.mark.parametrize(
    "name",
    ["keyword", "monkeys-audio", "key_name", "credentialsId", "public_key", "publicToken",
     "csrf-token", "KEYTAB_FILE", "app.keystore.file", "io.jsonwebtoken", "access_token_url",
     "KeySize", "bucket_key", "LLM_SECRET_NAME", "page_token", "nextToken"],
)  # fmt: skip
def test_names_of_other_things(name: str) -> None:
    assert not secret_name(name)
    assert detect_secrets(f'{name} = "Qz7rKp2WmX9vTb4Lc8NyD3sH"') == [], name


@pytest.mark.parametrize(
    "value",
    ["/tmp/app.keytab", "env/cert.p12", "XSalsa20.key_length", "PdfEncryptionKeySize.Key128Bit",
     "jetbrains.mps.v8_elimination", "K8S_CRED", "NEXUS-GPT4-API-KEY", "chain_Anvil2_Key",
     "print-access-token", "5h.ca.iphmx.com"],
)  # fmt: skip
def test_values_that_are_references_or_paths(value: str) -> None:
    assert not_a_credential(value, "api_key")


@pytest.mark.parametrize(
    "value",
    ["b.Z4bTMtngfLeQ18AqVoBBkUAOD1", "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t",
     "Mj2qykJO5rELyHgezQ69nzUX0i3OH67V7+V4eUrLfpuy/Whikle15s=="],
)  # fmt: skip
def test_values_that_stay_credentials(value: str) -> None:
    assert not not_a_credential(value, "api_key")
    assert detect_secrets(f'VAULT_CLIENT_TOKEN="{value}"'), value


@pytest.mark.parametrize(
    "text",
    [
        "GITHUB_API_KEY=\nDYNATRACE_API_KEY=",  # empty, not the next line
        "#RUN --mount=type=secret,id=jfrog_secret_file_42 \\",  # the next key=value pair
        "passwordVariable: 'PASSWORD'",  # the name again
        'curl -XGET -u "${{needs.vault.outputs.id}}:${{needs.vault.outputs.account_password}}"',
        " --set pixie-chart.deployKey=px-dep-d4c3b2a1-f6e5-h8g7-j1i8-p5o0n5m3l2k1",
        '"token3": "xoxp-1234-1234-1234-4ddbc191d40ee098cbaae6f3523ada2d"',
    ],
)
def test_assignments_that_are_no_credential(text: str) -> None:
    assert detect_secrets(text) == [], text


@pytest.mark.parametrize(
    "text",
    [
        'slack_token = "xoxb-4718290375-5523019846-Gq7vK2xW9mTz4LpB8nYc3HdF"',
        "DEPLOY_KEY=px-dep-d4c3b2a1-f6e5-4a87-91b8-5e0d5c3b2a1f",
        'db_password = "Tr0ub4dor&3"',
        "jenkins_api_token: 11a7c1e2f90d3b6a4c5e8f7d2b1a0c9e8d",
    ],
)
def test_assignments_still_flagged(text: str) -> None:
    assert detect_secrets(text), text


def test_stripe_publishable_keys_are_public() -> None:
    body = "j5krY8XTgIcDaHDb3YrsAfCl"
    assert detect_secrets(f"Stripe(pk_live_{body})") == []
    assert detect_secrets(f"Stripe(pk_test_{body})") == []
    assert detect_secrets(f"key sk_test_{body}")  # a test-mode secret key is still a key
    assert detect_secrets(f"key rk_live_{body}")


@pytest.mark.parametrize(
    "text",
    [
        "def add(plan: Plan, keys: KeySpace, subject: AdmissionSubject) -> None:",
        '_ALLOW_HEADERS = "Authorization, Content-Type, X-Session-Id"',
        "await adjust(admission, -admission.tokens, -admission.nanos_total)",
        "    key = _admin_key(request)",
        "    client = Client(api_key=token.access_token, default_headers=headers)",
        "def public_raw_b64(key: Ed25519PublicKey) -> str:",
        "def sign(key: _ScanKey) -> str:",
        'auth_style = "x-goog-api-key"',
        '"api_key": "sk-bench-upstream-service"',
        'master = "sk-bench-litellm-master"',
        "tsc -p tsconfig.esm.json && tsc -p tsconfig.cjs.json",
    ],
)
def test_code_that_only_names_credentials(text: str) -> None:
    assert detect_secrets(text) == [], text


@pytest.mark.parametrize(
    "text",
    [
        'System.setProperty("API_TOKEN", "Qz7rKp2WmX9vTb4Lc8NyD3sH")',  # a quoted name, a comma
        "PrivateKey = AsaFot43bfs1fEWjvtty+rGcjh3rP1H6sug1l3u19ix=",  # base64 ends in "="
        "mysql -u root -p S3cr3tPassw0rd db",
    ],
)
def test_credentials_next_to_those_shapes(text: str) -> None:
    assert detect_secrets(text), text


@pytest.mark.parametrize(
    "template",
    [
        'var fooToken string = "{}"',  # Go, with its type
        "fooToken := `{}`",  # Go raw string
        '$fooToken .= "{}"',  # PHP
        'FOO_TOKEN ::= "{}"',  # Make
        'FOO_TOKEN :::= "{}"',
        'FOO_TOKEN ?= "{}"',
    ],
)
def test_assignment_forms(template: str) -> None:
    assert detect_secrets(template.format("Qz7rKp2WmX9vTb4Lc8NyD3sHf6JaG1eU"))
    assert detect_secrets(template.format("${FOO_TOKEN}")) == []


def _run_of_six_by_hand(value: str) -> bool:
    up = down = 1
    for a, b in itertools.pairwise(value):
        alnum = a.isascii() and b.isascii() and a.isalnum() and b.isalnum()
        step = ord(b) - ord(a) if alnum and a.isdigit() == b.isdigit() else 0
        up = up + 1 if step == 1 else 1
        down = down + 1 if step == -1 else 1
        if up >= 6 or down >= 6:
            return True
    return False


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="abcdefghij0123456789zyx-_\0é", max_size=24))
def test_run_of_six_matches_a_plain_loop(value: str) -> None:
    assert _run_of_six(value) == _run_of_six_by_hand(value)
