"""Driving the web UI in Debian's Chromium with Playwright (its own browser download is not
available everywhere): launch options, sign-in, and the checks every page gets."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from tests.e2e.stack_support import DEMO_PASSWORD, ROOT

sys.path.insert(0, str(ROOT / "scripts"))

from stacklib.browser import CHROMIUM, CHROMIUM_ARGS

# Screenshots of the main pages, kept as test artefacts (var/ is not committed).
SCREENSHOTS = ROOT / "var" / "web-screenshots"
# Long enough for a worker hop (approval -> assignment) on a busy two-core machine.
LIVE_TIMEOUT_MS = 20_000
expect.set_options(timeout=LIVE_TIMEOUT_MS)


def launch(playwright) -> Browser:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run scripts/system-deps"
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


@dataclass
class Person:
    """One person's browser context (their own cookies) and page, watched for errors."""

    context: BrowserContext
    page: Page
    problems: list[str] = field(default_factory=list)

    def assert_no_page_errors(self) -> None:
        assert self.problems == [], self.problems


def open_person(
    browser: Browser, base: str, width: int = 1280, bypass_csp: bool = False, height: int = 900
) -> Person:
    context = browser.new_context(
        base_url=base, viewport={"width": width, "height": height}, bypass_csp=bypass_csp
    )
    context.set_default_timeout(LIVE_TIMEOUT_MS)
    page = context.new_page()
    person = Person(context, page)

    def on_console(message: ConsoleMessage) -> None:
        # A CSP violation or an uncaught error is a bug even when the page still works.
        # Refused requests (401 before a refresh, a 404 asked for) are logged as errors
        # by the browser itself; those are the app working, not failing.
        text = message.text
        if "Content Security Policy" in text or (
            message.type == "error" and "Failed to load resource" not in text
        ):
            person.problems.append(text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: person.problems.append(str(error)))
    return person


def sign_in(page: Page, email: str, landing: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name=landing)).to_be_visible()


def screenshot(page: Page, name: str, full_page: bool = True) -> None:
    """The page (or, with ``full_page=False``, what the viewport shows: for layouts)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"


def accessibility_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.x A and AA checks on the page as it is now: serious and critical
    findings, one line each. The page's context must bypass the CSP (axe is injected)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
          const run = await axe.run(document, {
            runOnly: {
              type: "tag",
              values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
            },
          });
          const serious = run.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" "))})`);
          return { passed: run.passes.length, serious };
        }"""
    )
    assert result["passed"] > 10, "axe checked next to nothing: is the page empty?"
    return result["serious"]
