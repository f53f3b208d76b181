"""`diagnose serve` is safe by default: token, host, CSRF, escaping, case names, atomic writes, versions."""
import os
import re

import pytest

from conftest import ROOT
from diagnose.web import create_app
from web_client import Client, saved, visible

HOSTILE = "<script>alert('x')</script> **Bold** [link](javascript:alert(1)) <img src=x onerror=alert(2)>"


def start(client, name="shop"):
    client.post("/cases", {"name": name, "platform": "amazon"})


# ---------------------------------------------------------------------------------------------
# Forms


def test_a_form_without_the_csrf_token_is_refused(client, workspace):
    start(client)
    before = saved(workspace, "shop")
    for csrf in ({}, {"csrf": "forged"}):
        page = client.post("/case/shop/answer", {"fact": "notice_reason", "value": "cancel_rate", **csrf}, 400,
                           version="shop", csrf=False)
        assert "the form has expired or was not made by this page" in visible(page.get_data(as_text=True))
    assert saved(workspace, "shop") == before


def test_a_form_posted_from_another_site_is_refused(client, workspace):
    start(client)
    client.post("/case/shop/answer", {"fact": "notice_reason", "value": "cancel_rate"}, 400, version="shop",
                headers={"Origin": "http://evil.example"})
    assert "notice_reason" not in saved(workspace, "shop")
    client.post("/case/shop/answer", {"fact": "notice_reason", "value": "cancel_rate"}, version="shop",
                headers={"Origin": "http://localhost"})


def test_a_new_browser_session_has_its_own_csrf_token(workspace):
    app = create_app(str(workspace), str(ROOT))
    first, second = Client(app), Client(app)
    first.get("/")
    second.get("/")
    assert first.csrf != second.csrf
    second.csrf = first.csrf
    second.post("/cases", {"name": "x"}, 400)
    assert not (workspace / "x.yaml").exists()


def test_an_oversized_form_is_refused(client):
    client.post("/cases", {"name": "x" * 100_000}, 413)


# ---------------------------------------------------------------------------------------------
# Who may connect


def test_only_loopback_host_names_are_served_without_a_token(client):
    client.get("/", headers={"Host": "127.0.0.1:8765"})
    client.get("/", headers={"Host": "[::1]:8765"})
    page = client.get("/", 421, headers={"Host": "rebound.example:8765"}).get_data(as_text=True)
    assert "answers only to addresses on this machine" in page


def test_with_a_token_every_request_needs_it(workspace):
    app = create_app(str(workspace), str(ROOT), token="s3cret-token")
    http = app.test_client()
    for path in ("/", "/case/x", "/static/style.css", "/?token=wrong"):
        response = http.get(path, headers={"Host": "192.0.2.10:8765"})
        assert response.status_code == 403, path
    assert "needs the address with its token" in http.get("/").get_data(as_text=True)
    response = http.get("/?token=s3cret-token&q=maple", headers={"Host": "192.0.2.10:8765"})
    assert response.status_code == 302 and response.headers["Location"] == "/?q=maple"  # the token leaves the address
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert http.get("/", headers={"Host": "192.0.2.10:8765"}).status_code == 200
    assert http.get("/static/style.css", headers={"Host": "192.0.2.10:8765"}).status_code == 200
    other = app.test_client()
    other.set_cookie("diagnose_token", "guess")
    assert other.get("/").status_code == 403


def test_pages_carry_protective_headers(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"


# ---------------------------------------------------------------------------------------------
# User text is shown, never run


def test_script_tags_and_markdown_in_a_store_name_and_answers_are_escaped(client, workspace):
    (workspace / "shop.yaml").write_text((ROOT / "examples" / "cancel-rate-stockouts.yaml").read_text())
    for fact in ("store_name", "seller_name", "order_ids"):
        client.post("/case/shop/edit", {"fact": fact, "value": HOSTILE, "next": "letter"}, version="shop")
    assert saved(workspace, "shop")["store_name"] == HOSTILE
    pages = [client.get(path).get_data(as_text=True) for path in
             ("/", "/?q=<script>", "/case/shop", "/case/shop/letter", "/case/shop/letter?message=atoz-withdrawal")]
    for body in pages:
        assert "<script>alert" not in body and "<img src=x" not in body and 'href="javascript' not in body
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; **Bold** [link](javascript:alert(1))" in pages[0]
    assert "From: &lt;script&gt;alert(" in pages[3]
    assert all(len(re.findall(r"<script\b", body)) == 1 for body in pages)  # only our own app.js
    download = client.get("/case/shop/download/letter.md")
    assert download.mimetype == "text/markdown" and "attachment" in download.headers["Content-Disposition"]


def test_a_hostile_answer_refused_is_escaped_too(client):
    start(client)
    body = client.answer("shop", "notice_reason", HOSTILE, status=422).get_data(as_text=True)
    assert "<script>alert" not in body and "&lt;script&gt;" in body


# ---------------------------------------------------------------------------------------------
# Case names never reach a path unchecked


@pytest.mark.parametrize("path", [
    "/case/..", "/case/..%2F..%2Fetc%2Fpasswd", "/case/%2e%2e", "/case/.hidden", "/case/a%00b", "/case/con.yaml",
    "/case/-x", "/case/" + "a" * 81, "/case/..%5Cwindows", "/case/%E4%B8%AD",
])
def test_bad_case_names_are_not_found(client, path):
    client.get(path, 404)
    client.get(path + "/letter", 404)


@pytest.mark.parametrize("name", ["../escape", "a/b", ".hidden", "a b", "x" * 81, "é"])
def test_bad_names_for_a_new_case_are_refused(client, workspace, name):
    page = visible(client.post("/cases", {"name": name}, 400).get_data(as_text=True))
    assert "A case name is 1 to 80 letters, digits, - or _" in page
    assert list(workspace.iterdir()) == []
    assert not (workspace.parent / "escape.yaml").exists()


def test_a_symbolic_link_out_of_the_workspace_is_neither_listed_nor_opened(client, workspace, tmp_path):
    outside = tmp_path / "secret.yaml"
    outside.write_text("platform: amazon\nstore_name: Hidden Shop\n")
    os.symlink(outside, workspace / "link.yaml")
    assert "link" not in client.text("/") and "Hidden Shop" not in client.text("/")
    client.get("/case/link", 404)
    client.post("/case/link/answer", {"fact": "notice_reason", "value": "1", "version": "0"}, 404)
    assert outside.read_text() == "platform: amazon\nstore_name: Hidden Shop\n"


# ---------------------------------------------------------------------------------------------
# Writes


def test_a_second_tab_with_a_stale_form_is_told_to_reload(client, workspace):
    start(client)
    stale = client.version("shop")
    client.answer("shop", "notice_reason", "cancel_rate")
    body = client.post("/case/shop/edit", {"fact": "notice_reason", "value": "late_shipment"}, 409,
                       version=stale).get_data(as_text=True)
    page = visible(body)
    assert "This case has changed since the page was shown" in page and "nothing was changed" in page
    assert 'href="/case/shop" id="reload"' in body
    assert saved(workspace, "shop")["notice_reason"] == "cancel_rate"
    client.post("/case/shop/back", {}, 409, version=stale)
    client.post("/case/shop/actions", {"remedy": []}, 409, version=stale)
    assert 'href="/case/shop/letter" id="reload"' in client.post(
        "/case/shop/actions", {"remedy": []}, 409, version=stale).get_data(as_text=True)
    assert saved(workspace, "shop")["case"]["version"] == 2


def test_a_change_made_in_the_terminal_makes_the_open_page_stale(client, workspace):
    start(client)
    (workspace / "shop.yaml").write_text("platform: amazon\nnotice_reason: refund_rate\n"
                                         "case: {status: draft, version: 2}\n")
    client.post("/case/shop/answer", {"fact": "notice_reason", "value": "cancel_rate"}, 409, version="1")
    assert saved(workspace, "shop")["notice_reason"] == "refund_rate"


def test_a_failed_write_leaves_the_case_whole(client, workspace, monkeypatch):
    start(client)
    before = (workspace / "shop.yaml").read_text()
    version = client.version("shop")

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr("os.fsync", broken_fsync)
    page = client.post("/case/shop/answer", {"fact": "notice_reason", "value": "cancel_rate"}, 400, version=version)
    assert "shop.yaml: cannot write the file: disk full" in visible(page.get_data(as_text=True))
    assert (workspace / "shop.yaml").read_text() == before
    assert [p.name for p in workspace.iterdir()] == ["shop.yaml"]
