"""A workspace app and a small client over Flask's test client for the web route tests."""
import html
import re

import pytest
import yaml

from conftest import ROOT
from diagnose.web import create_app


class Client:
    """Flask's test client, plus the page's CSRF token and the case's version for form posts."""

    def __init__(self, app):
        self.app = app
        self.http = app.test_client()
        self.csrf = None

    def get(self, path, status=200, **kwargs):
        response = self.http.get(path, **kwargs)
        assert response.status_code == status, (path, response.status_code, response.get_data(as_text=True)[:2000])
        body = response.get_data(as_text=True)
        found = re.search(r'name="csrf" value="([^"]+)"', body)
        if found:
            self.csrf = found.group(1)
        return response

    def text(self, path, status=200, **kwargs):
        """The page's visible text, tags removed and whitespace folded."""
        return visible(self.get(path, status, **kwargs).get_data(as_text=True))

    def version(self, name):
        body = self.get(f"/case/{name}").get_data(as_text=True)
        return re.search(r'name="version" value="(\d+)"', body).group(1)

    def post(self, path, data, status=302, version=None, csrf=True, **kwargs):
        """POST a form; ``version``: the case whose current version the form carries (a name), or
        the version itself (digits)."""
        if csrf and self.csrf is None:
            self.get("/")
        form = dict(data)
        if csrf:
            form.setdefault("csrf", self.csrf)
        if version is not None:
            form["version"] = version if str(version).isdigit() else self.version(version)
        response = self.http.post(path, data=form, **kwargs)
        assert response.status_code == status, (path, response.status_code, response.get_data(as_text=True)[:2000])
        return response

    def answer(self, name, fact, value=None, status=302, skip=False):
        """Answer the question on the case page (which must be about ``fact``)."""
        data = {"fact": fact, "action": "skip" if skip else "answer"}
        if value is not None:
            data["value"] = value
        return self.post(f"/case/{name}/answer", data, status, version=name)

    def question(self, name):
        """The fact the case page asks about now, or None once the interview is complete."""
        body = self.get(f"/case/{name}").get_data(as_text=True)
        found = re.search(r'<input type="hidden" name="fact" value="([^"]+)">\s*(?:<div class="choices">|<div class="row">|<div class="checklist">|<p class="hint">)',
                          body)
        return found.group(1) if found else None


def visible(body):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def saved(workspace, name):
    return yaml.safe_load((workspace / f"{name}.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def workspace(private_cache, tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    return folder


@pytest.fixture
def client(workspace):
    return Client(create_app(str(workspace), str(ROOT)))
