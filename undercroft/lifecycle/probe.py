"""Reach API URLs from where clients are: inside the deployment's network namespace.

``undercroft status`` runs this module there (``ip netns exec NS python -m
undercroft.lifecycle.probe CAFILE URL...``) in namespace placement, in-process otherwise.
A URL is reachable when it answers HTTP at all below 500 (401 and 300 mean "up").
"""
from __future__ import annotations

import json
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def _http_url(url: str) -> str:
    """Websocket endpoints answer a plain GET too (with 4xx): probe them over http(s)."""
    for ws, http in (("wss://", "https://"), ("ws://", "http://")):
        if url.startswith(ws):
            return http + url[len(ws):]
    return url.split("%(")[0]


def probe_one(url: str, cafile: str | None, timeout: float = 5) -> str:
    ctx = ssl.create_default_context(cafile=cafile or None)
    try:
        with urllib.request.urlopen(_http_url(url), timeout=timeout, context=ctx) as r:
            return str(r.status)
    except urllib.error.HTTPError as exc:
        return str(exc.code)
    except Exception as exc:  # connection refused, TLS failure, timeout: say which
        reason = getattr(exc, "reason", exc)
        return f"{type(reason).__name__}"


def probe(urls: list[str], cafile: str | None = None) -> dict[str, str]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(zip(urls, pool.map(lambda u: probe_one(u, cafile), urls)))


def probe_in(namespace: str | None, urls: list[str], cafile: str | None = None) -> dict[str, str]:
    if not urls:
        return {}
    if not namespace:
        return probe(urls, cafile)
    proc = subprocess.run(["ip", "netns", "exec", namespace, sys.executable, "-m",
                           "undercroft.lifecycle.probe", cafile or "", *urls],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        return {u: "namespace unreachable" for u in urls}
    return json.loads(proc.stdout)


def reachable(result: str) -> bool:
    return result.isdigit() and int(result) < 500


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[2:], sys.argv[1] or None)))
