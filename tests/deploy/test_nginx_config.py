"""The production nginx configuration: valid for nginx, and disciplined about headers."""

from __future__ import annotations

import re

from tests.deploy.prod_nginx import NGINX_SRC, ProdNginx


def test_production_config_passes_nginx_t(tmp_path):
    edge = ProdNginx(
        tmp_path / "edge",
        18080,
        18443,
        {
            n: [18001, 18002]
            for n in ("auth", "tickets", "workflow", "chat", "notify", "chat-live", "notify-live")
        },
    )
    edge.render()
    checked = edge.check()
    assert checked.returncode == 0, checked.stderr
    upstreams = (edge.run_dir / "tts.d" / "upstreams.conf").read_text()
    assert upstreams.count("server 127.0.0.1:18002") == 7


def test_no_location_sets_its_own_headers():
    # One add_header inside a location silently drops all the server-level ones there.
    site = (NGINX_SRC / "templates" / "tts.conf.template").read_text()
    for block in re.findall(r"location[^{]*\{[^}]*\}", site):
        assert "add_header" not in block, block
        assert "security-headers" not in block, block
    assert site.count("include snippets/security-headers.conf;") == 2  # both servers


def test_rate_limits_and_upload_limit_match_the_design():
    site = (NGINX_SRC / "templates" / "tts.conf.template").read_text()
    assert "zone=tts_auth:10m rate=5r/s" in site
    assert "zone=tts_api:10m rate=10r/s" in site
    assert "limit_req_status 429;" in site
    assert "client_max_body_size 26m;" in site
