"""scripts/stack's topology: replicas, port layout and the nginx upstreams it renders."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from stacklib.topology import Settings, parse_scale, processes, render


def settings(tmp_path, scale) -> Settings:
    return Settings(tmp_path, port=9080, base_port=9100, ready_timeout=1, scale=scale)


def test_default_layout_has_two_live_chat_servers(tmp_path):
    ports = settings(tmp_path, parse_scale([])).server_ports()
    assert ports == {
        "auth": [9101],
        "tickets": [9102],
        "workflow": [9103],
        "chat": [9104],
        "notify": [9105],
        "chat-live": [9106, 9107],
        "notify-live": [9108],
    }


def test_live_servers_run_on_gevent_and_the_rest_on_threads(tmp_path):
    by_name = {proc.name: proc.argv for proc in processes(settings(tmp_path, parse_scale([])))}
    assert "python:common.live.gunicorn_conf" in by_name["chat-live-1"]
    assert "notifier:create_app()" in by_name["notify-live-1"]
    assert "gthread" in by_name["chat-1"] and "gthread" in by_name["notify-1"]


def test_live_scales_both_live_groups(tmp_path):
    ports = settings(tmp_path, parse_scale(["live=3"])).server_ports()
    assert len(ports["chat-live"]) == 3 and len(ports["notify-live"]) == 3
    assert len(ports["chat"]) == 1


def test_scale_all_then_one(tmp_path):
    scale = parse_scale(["2", "tickets=3", "worker-workflow=4"])
    stack = settings(tmp_path, scale)
    ports = stack.server_ports()
    assert [len(ports[name]) for name in ports] == [2, 3, 2, 2, 2, 2, 2]
    names = [proc.name for proc in processes(stack)]
    assert names.count("scheduler-1") == 1 and "scheduler-2" not in names
    assert sum(name.startswith("worker-workflow-") for name in names) == 4
    metrics = [proc.ports[0] for proc in processes(stack) if proc.name.startswith("worker-")]
    assert len(set(metrics)) == len(metrics) and min(metrics) == 9151


@pytest.mark.parametrize("bad", ["0", "tickets=x", "nosuch=2", "tickets=-1"])
def test_bad_scales_are_refused(bad):
    with pytest.raises(ValueError):
        parse_scale([bad])


def test_unknown_placeholder_is_an_error():
    assert render("a {{ x }} b", {"x": "1"}) == "a 1 b"
    with pytest.raises(SystemExit):
        render("{{ y }}", {})
