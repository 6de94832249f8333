"""A project wired to a real gateway and a mock upstream, as the e2e tests drive it."""

from __future__ import annotations

from dataclasses import dataclass

import openai

from servers import Process, http

ADMIN = "admin-test-token"


@dataclass
class Tenant:
    gateway: Process
    mock: Process
    project_id: str
    api_key: str
    key_id: str
    provider_key: str
    credential_id: str

    def admin(
        self, method: str, path: str, body: object = None
    ) -> tuple[int, object, dict[str, str]]:
        return http(method, f"{self.gateway.url}/admin/v1{path}", body, token=ADMIN)

    def mint(self, user: str = "user_1", **extra: object) -> dict[str, str]:
        status, body, _ = http(
            "POST",
            f"{self.gateway.url}/v1/auth/mint",
            {"user_id": user, **extra},
            token=self.api_key,
        )
        assert status == 200, body
        assert isinstance(body, dict)
        return body

    def client(self, user: str = "user_1", **kwargs: object) -> openai.OpenAI:
        token = self.mint(user)
        return openai.OpenAI(
            base_url=f"{self.gateway.url}/v1",
            api_key=token["access_token"],
            max_retries=0,
            default_headers={"X-Session-Id": token["session_id"]},
            **kwargs,  # type: ignore[arg-type]
        )

    def fault(self, **fault: object) -> None:
        http("POST", f"{self.mock.url}/__mock__/faults", fault)

    def last_upstream_request(self) -> dict[str, object]:
        _, body, _ = http("GET", f"{self.mock.url}/__mock__/last_request")
        assert isinstance(body, dict)
        return body
