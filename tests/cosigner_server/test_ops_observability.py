"""Observability and the docs page: /metrics in the Prometheus text format with the figures an
operator watches, readable from loopback only (an admin token elsewhere); `serve`'s logs are one
JSON object per line and never carry a token, a body or a query string; /docs renders the
OpenAPI document from files in the package under a CSP that allows this server only."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest

from app.transaction import sha3_hex
from cosigner_server.bootstrap import init_data_dir
from cosigner_server.openapi import document
from cosigner_server.routes.docs import DOCS_CSP

from .conftest import RunningServer, make_config, run_server
from .cosign_helpers import holder
from .ops_helpers import make_holder, metric, serving

SAMPLE = re.compile(
    r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
    r'(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? [-+0-9.eE]+(Inf)?$'
)


def check_exposition(text: str) -> dict[str, str]:
    """Every line a HELP, a TYPE or a well-formed sample of a declared family; returns types."""
    types: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("counter", "gauge", "histogram"), line
            types[name] = kind
            continue
        assert SAMPLE.match(line), line
        name = re.split(r"[{ ]", line, maxsplit=1)[0]
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in types or family in types, line
    return types


def test_metrics_count_requests_refusals_cosigns_and_pairings(cosigner):
    h = holder(cosigner)
    message = "metrics"
    body = {
        "split_id": h.split_id,
        "request_id": "r-metrics-1",
        "message": message,
        "signature": h.share.sign_hash(sha3_hex(message)).to_hex(),
    }
    assert h.http.post("/v1/sign/message", json=body).status_code == 200
    bad = {**body, "request_id": "r-metrics-2", "signature": h.share.sign_hash("00" * 32).to_hex()}
    refused = h.http.post("/v1/sign/message", json=bad)
    assert refused.status_code == 403 and refused.json()["error"]["rule"] == "partial_invalid"
    with httpx.Client(base_url=cosigner.url) as http:
        http.get("/nope")
        text = http.get("/metrics").text
        answer = http.get("/metrics")
    assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    types = check_exposition(text)
    for family, kind in {
        "splitkey_http_requests_total": "counter",
        "splitkey_refusals_total": "counter",
        "splitkey_cosign_duration_seconds": "histogram",
        "splitkey_crypto_queue_depth": "gauge",
        "splitkey_pairing_checks_total": "counter",
        "splitkey_audit_failures_total": "counter",
        "splitkey_http_requests_in_flight": "gauge",
    }.items():
        assert types[family] == kind
    route = "/v1/sign/message"
    ok = metric(text, "splitkey_http_requests_total", route=route, method="POST", status="200")
    assert ok == 1
    assert metric(
        text, "splitkey_http_requests_total", route="unmatched", method="GET", status="404"
    )
    assert metric(text, "splitkey_refusals_total", rule="partial_invalid") == 1
    assert metric(text, "splitkey_pairing_checks_total") == 4  # two co-signs, two checks each
    signed = metric(text, "splitkey_cosign_duration_seconds_count", route=route, result="signed")
    assert signed == 1
    inf = metric(
        text, "splitkey_cosign_duration_seconds_bucket", route=route, result="signed", le="+Inf"
    )
    assert inf == 1
    assert metric(text, "splitkey_audit_failures_total") == 0
    # Routes are templates, never raw paths: no id becomes a label.
    assert h.split_id not in text and h.wallet["client_id"] not in text


def test_metrics_count_audit_failures(cosigner, monkeypatch):
    from cosigner_server.audit import AuditUnavailable

    _, token = cosigner.add_user("erin")

    async def full(*args, **kwargs):
        raise AuditUnavailable("no space left")

    monkeypatch.setattr(cosigner.state.audit, "append_async", full)
    with httpx.Client(base_url=cosigner.url, headers=cosigner.headers(token)) as http:
        assert http.post("/v1/wallets", json={}).status_code == 503
        text = http.get("/metrics").text
    assert metric(text, "splitkey_audit_failures_total") == 1


@pytest.fixture
def remote_only(tmp_path) -> Iterator[RunningServer]:
    # No network counts as local: every peer is "elsewhere" and needs an admin token.
    config = make_config(tmp_path / "c", metrics_networks="192.0.2.0/32")
    init_data_dir(config)
    yield from run_server(config)


def test_metrics_from_elsewhere_need_an_admin_token(remote_only):
    _, user = remote_only.add_user("frank")
    _, admin = remote_only.add_user("grace", role="admin")
    with httpx.Client(base_url=remote_only.url) as http:
        assert http.get("/metrics").status_code == 401
        assert http.get("/metrics", headers=remote_only.headers(user)).status_code == 403
        assert http.get("/metrics", headers=remote_only.headers(admin)).status_code == 200


def test_docs_page_is_self_contained_under_a_self_only_csp(cosigner):
    with httpx.Client(base_url=cosigner.url) as http:
        page = http.get("/docs")
        script = http.get("/docs/viewer.js")
        style = http.get("/docs/viewer.css")
        api = http.get("/v1/wallets")
    assert page.status_code == script.status_code == style.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert style.headers["Content-Type"].startswith("text/css")
    for answer in (page, script, style):
        assert answer.headers["Content-Security-Policy"] == DOCS_CSP
        assert answer.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in DOCS_CSP and "unsafe" not in DOCS_CSP
    # Every other answer keeps the API's own policy.
    assert api.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    html = page.text
    # Only this server's own assets: no external URL, no inline script or style.
    assert re.findall(r'(?:src|href)="([^"]+)"', html) == [
        "/docs/viewer.css",
        "/docs/viewer.js",
        "/openapi.json",
        "/openapi.json",
    ]
    assert "<script>" not in html and "<style" not in html and " style=" not in html
    assert "http://" not in html + script.text and "https://" not in html + script.text
    # The viewer fetches the document and writes text only (no innerHTML).
    code = "\n".join(line for line in script.text.splitlines() if not line.strip().startswith("//"))
    assert 'fetch("/openapi.json"' in code and "innerHTML" not in code
    for section in ("paths", "requestBody", "responses", "parameters", "summary"):
        assert section in script.text
    # The page is listed in the document it renders.
    assert "/docs" in document()["paths"]


def test_serve_logs_are_json_lines_without_secrets(tmp_path):
    with serving(tmp_path, serve_args=("--log-level", "debug")) as served:
        h = make_holder(served)
        secret_query = "code=SECRETQUERYVALUE"
        with served.http() as http:
            http.get(f"/v1/wallets?{secret_query}", headers={"Authorization": f"Bearer {h.token}"})
            http.post("/v1/auth/enroll", json={"code": "BODYSECRET-VALUE"})
            http.get("/nope", headers={"Authorization": "Bearer HEADERSECRETTOKEN"})
        stderr = served.stderr()
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) >= 8
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    for entry in entries:
        assert {"ts", "level", "logger", "msg"} <= entry.keys()
    access = [e for e in entries if e["logger"] == "splitkey.cosigner.access"]
    assert any(e.get("path") == "/v1/wallets" and e.get("status") == 200 for e in access)
    for secret in (
        h.token,
        h.token.split(".")[1],
        "SECRETQUERYVALUE",
        "BODYSECRET",
        "HEADERSECRETTOKEN",
        served.code,
        h.share.to_hex(),
    ):
        assert secret not in stderr
    assert any(e["level"] == "debug" for e in entries)  # --log-level debug took effect


def test_the_viewer_renders_every_operation(tmp_path):
    """viewer.js run by node against a stand-in DOM and the real document (no browser here)."""
    import shutil
    import subprocess
    from pathlib import Path

    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("node is not installed")
    here = Path(__file__).parent
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(document()))
    viewer = here.parents[1] / "cosigner_server" / "static" / "viewer.js"
    done = subprocess.run(
        [node, str(here / "docs_viewer_check.js"), str(viewer), str(spec)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    operations = sum(len(methods) for methods in document()["paths"].values())
    assert shown["operations"] == operations and shown["title"] == "Splitkey co-signer"
    assert f"{operations} operations" in shown["subtitle"]
    assert "post /v1/sign/transaction co-sign a 0chain transaction" in shown["sample"]
