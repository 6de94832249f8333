"""Per-request facts the edge reads once: services, client IP, body with its size limit."""

from __future__ import annotations

import asyncio
import ipaddress
from functools import cache

from aiohttp import web

from behest.gateway.errors import BodyTimeout, PayloadTooLarge
from behest.gateway.runtime.services import Services

SERVICES = web.AppKey("services", Services)


def services(request: web.Request) -> Services:
    return request.app[SERVICES]


def client_ip(request: web.Request) -> str:
    """The peer address, or X-Forwarded-For's client when the peer is a trusted proxy."""
    peer = request.remote or ""
    trusted = services(request).settings.trusted_proxies
    forwarded = request.headers.get("X-Forwarded-For")
    if not forwarded or not trusted or not _in_any(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):  # the first hop from the right that is not a proxy
        if not _in_any(hop, trusted):
            return hop
    return hops[0] if hops else peer


def _in_any(address: str, networks: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _parsed(networks))


@cache
def _parsed(networks: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The configured proxies, parsed once rather than on every request."""
    return tuple(ipaddress.ip_network(net, strict=False) for net in networks)


async def read_body(request: web.Request) -> bytes:
    settings = services(request).settings
    limit = settings.max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    try:
        if request.content.is_eof():  # all of it arrived with the headers: no wait, no timer
            return await request.read()
        async with asyncio.timeout(settings.body_timeout_s):
            return await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.") from exc
    except TimeoutError as exc:  # a slow-loris body
        raise BodyTimeout(
            f"The request body did not arrive within {settings.body_timeout_s:g} s."
        ) from exc
