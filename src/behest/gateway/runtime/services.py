"""The running gateway's parts, wired once at start-up and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass

from behest.gateway.config.admin import AdminService
from behest.gateway.config.audit import AuditLog
from behest.gateway.config.directory import Directory
from behest.gateway.observability import Observability
from behest.gateway.pipeline import Pipeline
from behest.gateway.runtime.bootstrap import AdminTokenCheck
from behest.gateway.runtime.settings import Settings
from behest.gateway.stages.authenticate import Authenticator
from behest.gateway.upstream.client import Upstream


@dataclass(slots=True)
class Services:
    settings: Settings
    directory: Directory
    authenticator: Authenticator
    pipeline: Pipeline
    admin: AdminService
    audit: AuditLog
    admin_token: AdminTokenCheck
    upstream: Upstream
    observability: Observability
