"""The client's address for the login lockout (django-axes' AXES_CLIENT_IP_CALLABLE).

Behind the TLS proxy (BEHIND_TLS_PROXY=true) every request comes from the proxy's
address, so a lockout keyed on username + REMOTE_ADDR would lock a user out for everyone
after a few wrong passwords from anywhere. With HEMMA_TRUSTED_PROXY_COUNT = N (1 by
default behind the proxy) the address is the N-th entry from the right of
X-Forwarded-For: each trusted proxy appends the address it received the request from, so
the entries left of those are whatever the client sent and are never trusted.

Without trusted proxies (N = 0, the default otherwise) it is REMOTE_ADDR, as before. A
missing, short or malformed header also falls back to REMOTE_ADDR.
"""

import ipaddress

from django.conf import settings

FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"


def client_ip_address(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    count = getattr(settings, "HEMMA_TRUSTED_PROXY_COUNT", 0) or 0
    if count <= 0:
        return remote
    entries = [part.strip() for part in request.META.get(FORWARDED_FOR, "").split(",")]
    entries = [part for part in entries if part]
    if len(entries) < count:
        return remote
    return _address(entries[-count]) or remote


def _address(value: str) -> str | None:
    """A bare IPv4/IPv6 address, also from "1.2.3.4:5678" or "[2001:db8::1]:443"."""
    candidates = [value]
    if value.startswith("[") and "]" in value:
        candidates.append(value[1 : value.index("]")])
    elif value.count(":") == 1:
        candidates.append(value.split(":", 1)[0])
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None
