"""Run the production nginx configuration (nginx/) for real, locally and unprivileged.

The files are the production ones; rendering changes only what a local run must: the
``${TTS_...}`` variables (high ports, a self-signed certificate), the upstream servers
(the local stack's loopback ports instead of compose service names) and the ``/tmp/``
paths (moved under the run directory, so several instances can run side by side).
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NGINX_SRC = ROOT / "nginx"
UPSTREAM_SERVER = re.compile(r"^(\s*)server ([\w-]+):8000 (.*);$", re.MULTILINE)


def find_nginx() -> str:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert os.access(nginx, os.X_OK), "nginx is not installed: run scripts/system-deps"
    return nginx


def envsubst(text: str, values: dict[str, str]) -> str:
    """What the nginx image's entrypoint does: fill ``${NAME}`` for the names given."""
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    left = re.findall(r"\$\{(TTS_\w+)\}", text)
    assert not left, f"unfilled template variables: {left}"
    return text


@dataclass
class ProdNginx:
    run_dir: Path
    http_port: int
    https_port: int
    upstream_ports: dict[str, list[int]]  # compose service name -> loopback ports
    ws_per_address: int = 200
    web_root: Path = ROOT / "web" / "dist"  # built by scripts/web-build
    process: subprocess.Popen | None = None

    @property
    def cert(self) -> Path:
        return self.run_dir / "tls" / "fullchain.pem"

    @property
    def conf(self) -> Path:
        return self.run_dir / "nginx.conf"

    def render(self) -> Path:
        shutil.rmtree(self.run_dir, ignore_errors=True)
        self.run_dir.mkdir(parents=True)
        subprocess.run(
            [str(ROOT / "scripts" / "gen-cert"), str(self.run_dir / "tls"), "localhost"],
            check=True,
            capture_output=True,
        )
        main = (NGINX_SRC / "nginx.conf").read_text().replace("/tmp/", f"{self.run_dir}/")
        if os.geteuid() == 0:  # as root, workers would run as nobody: keep them as the owner
            main = f"user {pwd.getpwuid(self.run_dir.stat().st_uid).pw_name};\n" + main
        self.conf.write_text(main)
        shutil.copy("/etc/nginx/mime.types", self.run_dir / "mime.types")
        shutil.copytree(NGINX_SRC / "snippets", self.run_dir / "snippets")
        site = self.run_dir / "tts.d"
        site.mkdir()
        values = {
            "TTS_SERVER_NAME": "localhost 127.0.0.1",
            "TTS_HTTP_PORT": f"127.0.0.1:{self.http_port}",
            "TTS_HTTPS_PORT": f"127.0.0.1:{self.https_port}",
            "TTS_HTTPS_REDIRECT": f":{self.https_port}",
            "TTS_TLS_CERT": str(self.cert),
            "TTS_TLS_KEY": str(self.run_dir / "tls" / "privkey.pem"),
            "TTS_WS_PER_ADDRESS": str(self.ws_per_address),
            "TTS_WEB_ROOT": str(self.web_root),
        }
        template = (NGINX_SRC / "templates" / "tts.conf.template").read_text()
        (site / "tts.conf").write_text(envsubst(template, values))
        upstreams = (NGINX_SRC / "templates" / "upstreams.conf.template").read_text()

        def local_servers(match: re.Match) -> str:
            indent, name, options = match.groups()
            ports = self.upstream_ports[name]
            return "\n".join(f"{indent}server 127.0.0.1:{port} {options};" for port in ports)

        (site / "upstreams.conf").write_text(UPSTREAM_SERVER.sub(local_servers, upstreams))
        for temp in ("client_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp"):
            (self.run_dir / temp).mkdir()
        return self.conf

    def argv(self, *extra: str) -> list[str]:
        return [find_nginx(), "-p", str(self.run_dir), "-c", str(self.conf), "-e", "stderr", *extra]

    def check(self) -> subprocess.CompletedProcess:
        return subprocess.run(self.argv("-t"), capture_output=True, text=True)

    def start(self) -> None:
        self.render()
        checked = self.check()
        assert checked.returncode == 0, checked.stderr
        log = open(self.run_dir / "nginx.log", "wb")  # noqa: SIM115 (lives with the process)
        self.process = subprocess.Popen(
            [*self.argv("-g", "daemon off;")], stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 10
        while not _listening(self.https_port):
            assert self.process.poll() is None, (self.run_dir / "nginx.log").read_text()
            assert time.monotonic() < deadline, "nginx did not listen within 10 s"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0
