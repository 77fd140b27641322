"""The dev server's web UI route: built files, the SPA fallback, caching, and the API
paths left to the services."""

from flask import Flask
from werkzeug.test import Client

from common.webui import WebUI


def _client(tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>TTS</title>")
    (dist / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside the build")
    api = Flask("api")

    @api.get("/api/tickets/health")
    def health():
        return {"status": "ok"}

    return Client(WebUI(api, dist))


def test_pages_fall_back_to_index_html_revalidated(tmp_path):
    client = _client(tmp_path)
    for path in ("/", "/tickets/42", "/triage"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.get_data(as_text=True).startswith("<!doctype html>")
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.mimetype == "text/html"


def test_hashed_assets_are_immutable_and_missing_ones_are_404(tmp_path):
    client = _client(tmp_path)
    asset = client.get("/assets/index-abc123.js")
    assert asset.status_code == 200
    assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "javascript" in asset.mimetype
    assert client.get("/assets/gone-000.js").status_code == 404


def test_api_paths_go_to_the_services_and_nothing_escapes_the_build(tmp_path):
    client = _client(tmp_path)
    assert client.get("/api/tickets/health").get_json() == {"status": "ok"}
    assert client.get("/api/nothing-here").status_code == 404
    leaked = client.get("/../secret.txt")
    assert "outside the build" not in leaked.get_data(as_text=True)


def test_an_unbuilt_ui_says_how_to_build_it(tmp_path):
    api = Flask("api")
    response = Client(WebUI(api, tmp_path / "missing")).get("/")
    assert response.status_code == 503
    assert "scripts/web-build" in response.get_data(as_text=True)


class _RawSocket:
    def __init__(self):
        self.shut = []

    def shutdown(self, how):
        self.shut.append(how)


def test_a_finished_dev_server_socket_stops_sending_before_werkzeug_writes(tmp_path):
    import socket

    api = Flask("api")

    @api.get("/ws/after-upgrade")
    def upgraded():
        return ""  # what flask-sock answers once the conversation is over

    @api.get("/ws/refused")
    def refused():
        return {"detail": "Authentication required"}, 401

    wrapped = WebUI(api, tmp_path)
    for path, expected in (("/ws/after-upgrade", [socket.SHUT_WR]), ("/ws/refused", [])):
        raw = _RawSocket()
        response = Client(wrapped).get(path, environ_overrides={"werkzeug.socket": raw})
        assert raw.shut == expected, path
        assert response.status_code in (200, 401)
