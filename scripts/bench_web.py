#!/usr/bin/env python3
"""The web UI on a running stack, in Chromium: time from pressing "Sign in" to the first
rendered "My tasks" list (rows or its empty state), over fresh browser contexts (cold
cache, as a first visit) and warm ones (assets cached, as every later visit); and the
gzipped size of the initial JavaScript that index.html loads.

    scripts/stack up && .venv/bin/tts seed demo
    TTS_DEMO_PASSWORD=... .venv/bin/python scripts/bench_web.py --runs 10
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import statistics
import sys

import requests
from playwright.sync_api import sync_playwright

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stacklib.browser import CHROMIUM, CHROMIUM_ARGS


def initial_js_gzip_bytes(base: str) -> tuple[int, list[str]]:
    html = requests.get(f"{base}/", timeout=10).text
    sources = re.findall(r'<script type="module"[^>]*\ssrc="([^"]+)"', html)
    sources += re.findall(r'<link rel="modulepreload"[^>]*\shref="([^"]+)"', html)
    total = 0
    for src in sources:
        body = requests.get(f"{base}{src}", timeout=10).content
        total += len(gzip.compress(body, compresslevel=9))
    return total, sources


# Timed inside the page (performance.now()): from the click on "Sign in" to the moment the
# list (its table, or its empty state) is in the document. Timing from the test driver
# would add its own polling and round trips to the browser.
WATCH = """() => {
  window.__bench = {};
  const button = [...document.querySelectorAll("button")].find((b) => b.textContent === "Sign in");
  button.addEventListener("click", () => { window.__bench.clicked = performance.now(); }, true);
  new MutationObserver((_, observer) => {
    if (document.querySelector('table[aria-label="My tasks"], .state-empty')) {
      window.__bench.rendered = performance.now();
      observer.disconnect();
    }
  }).observe(document.body, { subtree: true, childList: true });
}"""


def time_to_my_tasks(context, password: str) -> float:
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("Email").fill("agent@example.com")
    page.get_by_label("Password").fill(password)
    page.evaluate(WATCH)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('table[aria-label="My tasks"], .state-empty', timeout=30_000)
    times = page.evaluate("window.__bench")
    page.close()
    return (times["rendered"] - times["clicked"]) / 1000


def summary(label: str, values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return (
        f"{label}: median {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, "
        f"min {ms[0]:.0f} ms ({len(ms)} runs)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=os.environ.get("TTS_BASE_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args()
    password = os.environ.get("TTS_DEMO_PASSWORD")
    if not password:
        print("set TTS_DEMO_PASSWORD to the demo accounts' password", file=sys.stderr)
        return 2

    size, sources = initial_js_gzip_bytes(args.base)
    print(f"initial JS: {size / 1024:.1f} kB gzipped ({', '.join(sources)})")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True
        )
        cold = []
        for _ in range(args.runs):
            context = browser.new_context(base_url=args.base)
            cold.append(time_to_my_tasks(context, password))
            context.close()
        warm_context = browser.new_context(base_url=args.base)
        time_to_my_tasks(warm_context, password)  # fills the cache
        warm = []
        for _ in range(args.runs):
            warm_context.clear_cookies()
            warm.append(time_to_my_tasks(warm_context, password))
        warm_context.close()
        browser.close()
    print(summary("sign-in -> My tasks, cold cache", cold))
    print(summary("sign-in -> My tasks, warm cache", warm))
    return 0


if __name__ == "__main__":
    sys.exit(main())
