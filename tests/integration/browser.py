"""A real browser on the real stack: the API served by uvicorn on 127.0.0.1, Debian's Chromium.

Playwright drives ``/usr/bin/chromium`` (``apt-get install chromium``; never
``playwright install``, which downloads a browser). Where it is missing the
browser tests are skipped with that reason. ``screenshots_on_failure`` saves
a picture of every open page under ``test-artifacts/browser/`` when a step
fails (and on success too with ``PIZZERIA_SCREENSHOTS=1``).
"""

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HAVE_CHROMIUM = CHROMIUM.exists()  # looked at once: `make test` installs it before pytest starts
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
NO_CHROMIUM = (
    "no Chromium at /usr/bin/chromium and it could not be installed here "
    "(make test installs it with apt-get when run as root: .ci/install-chromium.sh)"
)


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless; the test is skipped where there is none."""
    if not HAVE_CHROMIUM:
        pytest.skip(NO_CHROMIUM)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


async def signed_in(browser: Browser, base: str, role: str, width: int = 1100) -> Page:
    """A page of its own (own cookies) signed in with ``role``'s dev token via the role picker."""
    context = await browser.new_context(base_url=base, viewport={"width": width, "height": 900})
    page = await context.new_page()
    await page.goto("/signin")
    await page.get_by_role("button", name=re.compile(f"^{role}", re.IGNORECASE)).click()
    await page.wait_for_url(f"{base}/")
    return page


async def signed_in_with(browser: Browser, base: str, token: str) -> Page:
    """A page signed in by pasting ``token`` (a JWT) into the sign-in form."""
    context = await browser.new_context(base_url=base)
    page = await context.new_page()
    await page.goto("/signin")
    await page.get_by_label(re.compile("Access token")).fill(token)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await page.wait_for_url(f"{base}/")
    return page


class Shots:
    """Pages to photograph, by name."""

    def __init__(self, test: str) -> None:
        self.test = test
        self.pages: dict[str, Page] = {}

    async def take(self, label: str) -> None:
        """A full-page screenshot of every page, named ``<test>-<label>-<page>.png``."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for name, page in self.pages.items():
            if not page.is_closed():
                await page.screenshot(
                    path=ARTIFACTS / f"{self.test}-{label}-{name}.png", full_page=True
                )

    async def on_success(self, label: str) -> None:
        """Screenshots for people to look at, when asked for (``PIZZERIA_SCREENSHOTS=1``)."""
        if os.environ.get("PIZZERIA_SCREENSHOTS"):
            await self.take(label)

    async def __aenter__(self) -> "Shots":
        return self

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        """On a failure inside the block, photograph every page before the error goes on."""
        if kind is not None and not issubclass(kind, pytest.skip.Exception):
            await self.take("failed")
