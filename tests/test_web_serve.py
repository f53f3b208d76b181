"""The `diagnose serve` command: a real server process, its token, and a clear error without Flask."""
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from conftest import ROOT
from diagnose.cli import cli
from kb_fixture import make_kb


def serve(*args, env=None):
    """Start `diagnose serve` and return the process and the first line it printed."""
    process = subprocess.Popen([sys.executable, "-m", "diagnose", "serve", "--port", "0", *map(str, args)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    first = process.stdout.readline()
    return process, first


def stop(process):
    process.terminate()
    process.wait(timeout=10)
    process.stdout.close()
    process.stderr.close()


def request(port, path, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response, body


def test_serve_listens_on_loopback_without_a_token(tmp_path):
    (tmp_path / "maple.yaml").write_text("platform: amazon\nstore_name: Maple Goods\n")
    process, first = serve("--workspace", tmp_path)
    try:
        found = re.search(r"Serving the cases in (.+) at http://127\.0\.0\.1:(\d+)/ \(Ctrl\+C stops the server\)\.", first)
        assert found, first
        response, body = request(int(found.group(2)), "/")
        assert response.status == 200 and "Maple Goods" in body
        process.send_signal(signal.SIGINT)  # Ctrl+C: a quiet stop
        assert process.wait(timeout=10) == 0
        logged = process.stderr.read().splitlines()  # the access log, one line a request
        assert len(logged) == 1 and '"GET / HTTP/1.1" 200' in logged[0]
    finally:
        stop(process)


def test_serve_beyond_loopback_prints_a_token_and_requires_it(tmp_path):
    process, first = serve("--workspace", tmp_path, "--host", "0.0.0.0", "--lang", "zh")
    try:
        port = int(re.search(r":(\d+)/", first).group(1))
        token_line = process.stdout.readline()
        token = re.search(r"\?token=([\w-]+)", token_line).group(1)
        assert "每个浏览器需先用带令牌的地址打开一次" in token_line and len(token) >= 32
        response, body = request(port, "/")
        assert response.status == 403 and "令牌" in body
        response, _ = request(port, f"/?token={token}")
        assert response.status == 302
        cookie = response.getheader("Set-Cookie").split(";", 1)[0]
        response, body = request(port, "/", {"Cookie": cookie})
        assert response.status == 200 and "卖家诊断工作台" in body
    finally:
        stop(process)


def test_open_starts_the_browser_on_the_workspace(tmp_path):
    opened = tmp_path / "opened.txt"
    browser = f"{sys.executable} -c \"import sys; open(sys.argv[1], 'w').write(sys.argv[2])\" {opened} %s"
    process, first = serve("--workspace", tmp_path, "--open", env=dict(os.environ, BROWSER=browser))
    try:
        url = re.search(r"http://\S+/", first).group(0)
        deadline = time.monotonic() + 10
        while not (opened.exists() and opened.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert opened.read_text() == url
    finally:
        stop(process)


def test_a_taken_port_is_one_clear_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--workspace", str(tmp_path), "--port", str(port)])
    assert result.exit_code == 1
    assert result.output == f"Error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_a_missing_workspace_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--workspace", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_without_the_web_extra_serve_names_the_install_command(tmp_path):
    script = ("import sys; sys.modules['flask'] = None\n"  # as if Flask were not installed
              "from diagnose.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", script, "serve", "--workspace", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1
    assert done.stderr == ("Error: diagnose serve needs the web extra: pip install '.[web]' "
                           "(from the project folder; or pip install 'seller-diagnose[web]')\n")
    assert "Traceback" not in done.stderr


def test_a_knowledge_base_without_web_messages_is_named(tmp_path):
    kb = make_kb(tmp_path)
    result = CliRunner().invoke(cli, ["serve", "--workspace", str(tmp_path), "--kb", str(kb)])
    assert result.exit_code == 1
    assert result.output == f"Error: the knowledge base at {kb} has no web messages (see knowledge/web.yaml)\n"


@pytest.mark.parametrize("args", [["serve", "--help"], ["--help"]])
def test_serve_is_listed_with_its_options(args):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0
    if args[0] == "serve":
        for option in ("--workspace", "--host", "--port", "--open", "--lang", "--kb"):
            assert option in result.output
    else:
        assert "serve" in result.output
