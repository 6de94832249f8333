"""The running gateway's parts, wired once at start-up and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass

from behest.gateway.admin import AdminService
from behest.gateway.auth.authenticate import Authenticator
from behest.gateway.bootstrap import AdminTokenCheck
from behest.gateway.directory import Directory
from behest.gateway.pipeline import Pipeline
from behest.gateway.settings import Settings
from behest.gateway.upstream import Upstream


@dataclass(slots=True)
class Services:
    settings: Settings
    directory: Directory
    authenticator: Authenticator
    pipeline: Pipeline
    admin: AdminService
    admin_token: AdminTokenCheck
    upstream: Upstream
