"""The FaultProxy itself: transparent when idle, its HTTP control endpoint, loopback only."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request

import pytest

from multus_tui.sandbox.faults import FaultProxy


def call(proxy, path: str, *, token: str | None = None, body: dict | None = None, auth: str | None = None):
    ctx = ssl.create_default_context(cadata=proxy.ca_pem.decode())  # the proxy's own certificate, verified
    headers = {"Content-Type": "application/json"}
    if token:
        headers["X-Fault-Token"] = token
    if auth:
        headers["Authorization"] = f"Bearer {auth}"
    req = urllib.request.Request(proxy.url + path, headers=headers, method="POST" if body is not None else "GET",
                                 data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def test_control_endpoint_and_transparency(faulty, tally):
    sb, proxy, kc = faulty("empty")
    status, body = call(proxy, "/api/v1/namespaces", auth=sb.token)
    assert status == 200 and {i["metadata"]["name"] for i in body["items"]} >= {"default"}
    assert call(proxy, "/api/v1/namespaces")[0] == 401, "the sandbox's own 401 passes through"
    # without the control token the control path is nothing special
    assert call(proxy, "/__faults__/fail", body={"n": 1})[0] == 404
    assert call(proxy, "/__faults__/fail", token=proxy.control_token, body={"n": 2, "code": 503})[0] == 200
    assert call(proxy, "/api/v1/namespaces", auth=sb.token)[0] == 503
    assert call(proxy, "/api/v1/namespaces", auth=sb.token)[0] == 503
    assert call(proxy, "/api/v1/namespaces", auth=sb.token)[0] == 200
    assert call(proxy, "/__faults__/bogus", token=proxy.control_token, body={})[0] == 400
    status, counters = call(proxy, "/__faults__", token=proxy.control_token)
    assert status == 200 and counters["injected"] == {"error": 2}
    # what reached the sandbox, counted at the proxy: the 200s and the 401, not the injected 503s
    assert counters["served"] == {"list namespaces": 3}
    assert proxy.served[("list", "namespaces")] == 3
    tally.survived(proxy)  # the request after the injected 503s was served


def test_loopback_only():
    with pytest.raises(ValueError):
        FaultProxy("https://127.0.0.1:1", host="0.0.0.0")
