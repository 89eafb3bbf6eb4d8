"""Debian's Chromium, headless, driven by Selenium through Debian's ChromeDriver: nothing is
downloaded (Selenium's own driver manager never runs, since the driver's path is given). The
tests use it, and ``prozchain explorer --screenshots DIR`` takes the README's pictures with it."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from prozchain.native.errors import ProzError

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")

# The pages the README shows, by file name: a page, and the link on it to follow (if any).
SCREENSHOTS = {"overview": ("/", None), "batch": ("/batches", "#batches a.zk"), "dispute": ("/disputes", "#disputes a"),
               "channels": ("/channels", None), "transfers": ("/transfers", None)}


class BrowserMissing(ProzError):
    """Chromium, ChromeDriver or Selenium is not installed."""


def available() -> bool:
    """Whether the browser, its driver and Selenium are all here."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return False
    return os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)


@contextmanager
def chromium(width: int = 1100, height: int = 760) -> Iterator[Any]:
    """A headless Chromium WebDriver with a fresh profile, quit on exit."""
    if not available():
        raise BrowserMissing(f"needs {CHROMIUM} and {CHROMEDRIVER} (Debian packages chromium, chromium-driver) "
                             "and selenium (the test extra)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="prozchain-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in FLAGS + (f"--user-data-dir={profile}", f"--window-size={width},{height}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def screenshots(base_url: str, out_dir: str) -> list[Path]:
    """PNG screenshots of the main pages (:data:`SCREENSHOTS`) of the explorer at ``base_url``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    taken = []
    from selenium.webdriver.common.by import By

    with chromium() as driver:
        for name, (page, link) in SCREENSHOTS.items():
            driver.get(base_url + page)
            links = driver.find_elements(By.CSS_SELECTOR, link) if link else []
            if links:
                links[0].click()
            path = out / f"explorer-{name}.png"
            driver.save_screenshot(str(path))
            _shrink(path)
            taken.append(path)
    return taken


def _shrink(path: Path) -> None:
    """Re-save a screenshot with a 64-colour palette: text pages lose nothing visible and the
    README's pictures stay small."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=64)
    small.save(path, optimize=True)
