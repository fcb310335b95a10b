"""The container's health probe: `python deploy/healthcheck.py [/healthz|/readyz]`.

It asks the app inside its own container, so it must pass what every request passes: the
Host header is checked against ALLOWED_HOSTS (127.0.0.1 is not in it in production) and,
behind the TLS proxy, a plain-HTTP request is redirected to HTTPS. The probe therefore
names the first allowed host and says, as the proxy does, that the request came over TLS.
Exit status 0 when the app answers 200, 1 otherwise (what Docker's HEALTHCHECK expects).
"""

import os
import sys
import urllib.request


def probe_host() -> str:
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = hosts[0].lstrip(".") if hosts else "localhost"  # ".region.example": any subdomain
    return "localhost" if host == "*" else host


def main(path: str = "/healthz") -> int:
    port = os.environ.get("HEMMA_BIND", "0.0.0.0:8000").rsplit(":", 1)[-1]
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"Host": probe_host(), "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310 (fixed http URL)
            return 0 if response.status == 200 else 1
    except OSError as error:  # URLError and HTTPError (503 from /readyz) included
        print(f"{path}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
