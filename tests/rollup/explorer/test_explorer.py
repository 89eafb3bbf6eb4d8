"""The explorer in a real headless browser (Debian's Chromium through Selenium and Debian's
ChromeDriver; nothing is downloaded): the page loads, search finds a transaction, a batch page
shows its proof and gas, a dispute page its rounds, a hostile stored string stays text, and the
live page follows a running scenario.

Without the browser these tests skip on a developer's machine and fail where the browser is
required (``PROZ_REQUIRE_BUILDS`` or ``CI`` set, as in CI: .ci/run installs it)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from prozchain.cli import main
from prozchain.rollup.explorer import browser
from prozchain.rollup.explorer.app import Server, create_app
from prozchain.rollup.explorer.index import Index, Tx
from prozchain.rollup.explorer.record import Recorder
from prozchain.rollup.sdk.stages import EXECUTED, FINAL, StageStore

REQUIRED = bool(os.environ.get("PROZ_REQUIRE_BUILDS") or os.environ.get("CI"))
HOSTILE = "<script>window.__pwned = 1</script>"
HOSTILE_ADDRESS = '<img src=x onerror="window.__pwned = 2">'
HOSTILE_HASH = "0x" + "ee" * 32
STAGED = "0x" + "5a" * 32


@pytest.fixture(scope="module")
def index_path(tmp_path_factory):
    """One index of two runs: the cross-layer round trip (every layer, ZK batches with their
    proofs) and an optimistic dispute won by the challenger; plus a hostile row."""
    path = str(tmp_path_factory.mktemp("explorer") / "explorer.sqlite")
    index = Index(path)
    recorder = Recorder(index)
    assert recorder.record("crosslayer-roundtrip", seed=1).ok
    assert recorder.record("opt-invalid-root", seed=1).ok
    index.put_txs([Tx(HOSTILE_HASH, "l1", 0, 1, HOSTILE, HOSTILE_ADDRESS, HOSTILE, "0", HOSTILE, "ok", 0,
                      {"memo": HOSTILE})])
    index.close()
    return path


@pytest.fixture(scope="module")
def driver():
    if not browser.available():
        (pytest.fail if REQUIRED else pytest.skip)(f"no headless browser: {browser.CHROMIUM}, "
                                                   f"{browser.CHROMEDRIVER} and selenium are needed")
    with browser.chromium() as chrome:
        chrome.implicitly_wait(5)
        yield chrome


@pytest.fixture(scope="module")
def stages_path(tmp_path_factory):
    """An SDK client's stage store: one transfer that went all the way, one refused."""
    path = str(tmp_path_factory.mktemp("stages") / "stages.db")
    store = StageStore(path)
    store.begin(STAGED, "zk rollup", "transfer", at=1.0)
    store.mark(STAGED, EXECUTED, 2.0, "in the operator's mempool")
    store.mark(STAGED, FINAL, 40.0, HOSTILE)
    store.begin("0x" + "6b" * 32, "l1", "call", at=3.0)
    store.fail("0x" + "6b" * 32, HOSTILE)
    store.close()
    return path


@pytest.fixture(scope="module")
def site(index_path, stages_path):
    with Server(create_app(index_path, stages_path)) as server:
        yield server.url


def by_css(driver, selector):
    from selenium.webdriver.common.by import By
    return driver.find_elements(By.CSS_SELECTOR, selector)


def test_the_overview_loads(driver, site):
    driver.get(site + "/")
    assert "ProzChain explorer" in driver.title
    assert by_css(driver, "#scenario")[0].text == "opt-invalid-root"
    for layer in ("l1", "zk", "optimistic", "sidechain"):
        assert int(by_css(driver, f"#blocks-{layer}")[0].text) + int(by_css(driver, f"#txs-{layer}")[0].text) > 0, layer
    assert len(by_css(driver, "#latest tr")) > 1


def test_search_finds_a_transaction(driver, site, index_path):
    wanted = next(tx for tx in Index(index_path, read_only=True).txs("l1") if tx.method == "submit_batch")
    driver.get(site + "/")
    box = by_css(driver, "#q")[0]
    box.send_keys(wanted.hash)
    by_css(driver, "#go")[0].click()
    links = [a for a in by_css(driver, "#results a") if wanted.hash in a.get_attribute("href")]
    assert links, driver.page_source[:2000]
    links[0].click()
    assert by_css(driver, "#tx-hash")[0].text == wanted.hash
    assert by_css(driver, "#tx-method")[0].text == "submit_batch"
    driver.get(site + "/search?q=" + wanted.sender)  # an address finds its transactions too
    assert any(wanted.hash in a.get_attribute("href") for a in by_css(driver, "#results a"))


def test_a_batch_page_shows_its_proof_and_gas(driver, site):
    driver.get(site + "/batches")
    zk = by_css(driver, "#batches a.zk")
    assert zk, "no ZK batch listed"
    zk[0].click()
    proof = by_css(driver, "#batch-proof")[0].text
    assert proof.startswith("[") and len(proof.strip("[]").split(",")) == 8, proof  # A (2), B (4), C (2)
    assert int(by_css(driver, "#batch-gas")[0].text) > 100_000  # a pairing check is not cheap


def test_a_dispute_page_shows_its_rounds(driver, site):
    driver.get(site + "/disputes")
    by_css(driver, "#disputes a")[0].click()
    rounds = [row.text for row in by_css(driver, "#rounds tr.round")]
    assert rounds[0].split()[1] == "Challenged" and "GameOver" in rounds[-1]
    assert sum("Bisected" in r for r in rounds) == 3 and sum("Chosen" in r for r in rounds) == 3
    assert by_css(driver, "#outcome")[0].text == "challenger won"


def test_stored_strings_are_rendered_inert(driver, site):
    driver.get(f"{site}/tx/l1/0/{HOSTILE_HASH}")
    assert by_css(driver, "#tx-from")[0].text == HOSTILE
    assert by_css(driver, "#tx-to")[0].text == HOSTILE_ADDRESS
    assert by_css(driver, "#tx-calldata")[0].text == HOSTILE
    assert driver.execute_script("return [document.querySelectorAll('#tx img').length, window.__pwned]") == [0, None]
    driver.get(f"{site}/search?q={HOSTILE_ADDRESS}")
    assert driver.execute_script("return window.__pwned") is None


def test_the_stages_page_and_search_show_the_sdk_stages(driver, site):
    driver.get(site + "/stages")
    rows = by_css(driver, "#stages tr")[1:]
    assert len(rows) == 2 and "40.0 s" in rows[0].text and HOSTILE in rows[1].text  # the refusal, as text
    driver.get(site + "/search?q=" + STAGED[:12])
    assert "2.0 s" in by_css(driver, "#stages")[0].text
    assert driver.execute_script("return window.__pwned") is None


def test_the_live_page_follows_a_running_scenario(driver, tmp_path):
    """``prozchain explorer --scenario``: the page's counters move while the run goes on, and
    it ends finished."""
    server = subprocess.Popen([sys.executable, "-m", "prozchain.cli", "explorer", "--scenario", "l1-crash-restart",
                               "--seed", "2", "--port", "0", "--pace", "0.1", "--db", str(tmp_path / "live.sqlite")],
                              stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert line.startswith("explorer on "), line
        driver.get(line.split()[2])

        def now():
            return int(by_css(driver, "#sim-time")[0].text), int(by_css(driver, "#blocks-l1")[0].text)
        seen = {now()}
        deadline = time.monotonic() + 120
        while by_css(driver, "#state")[0].text != "finished" and time.monotonic() < deadline:
            time.sleep(0.3)
            seen.add(now())
        assert by_css(driver, "#state")[0].text == "finished"
        # updated in place, without a reload: time and L1 blocks went up through several values
        assert len(seen) >= 3 and max(seen) > min(seen), seen
    finally:
        server.terminate()
        server.wait(30)


def test_screenshots(driver, index_path, tmp_path, capsys):
    assert main(["explorer", "--db", index_path, "--port", "0", "--screenshots", str(tmp_path)]) == 0
    shots = sorted(p.name for p in tmp_path.glob("*.png"))
    assert shots == sorted(f"explorer-{name}.png" for name in browser.SCREENSHOTS)
    assert all((tmp_path / s).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for s in shots)
