"""The ledger in a real browser: headless Chromium (Debian's `chromium` and
`chromium-driver`) driven by Selenium, against the demo's database."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hypewatch.models import ClaimKind
from hypewatch.storage import Store
from tests.web.conftest import serve

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="headless Chromium is not installed (apt-get install chromium chromium-driver; "
    ".ci/run installs it)",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,1600"):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(DRIVER)))
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


def _no_alert(driver: Any) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - raises when no dialog is open


def test_mirage_failed_with_intervals_and_timeline(
    browser: Any, ledger_url: str, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{ledger_url}/")
    row = browser.find_element(By.XPATH, "//tr[td/a[text()='Mirage 70B']]")
    assert "failed" in row.find_element(By.CLASS_NAME, "badge").text
    row.find_element(By.LINK_TEXT, "Mirage 70B").click()
    assert browser.current_url.endswith("/launches/mirage-70b.html")
    claims = {}
    for tr in browser.find_elements(By.CSS_SELECTOR, "table.claims tbody tr"):
        cells = [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        claims[cells[0].split()[0]] = cells
    for benchmark in ("gsm8k", "mmlu"):
        cells = claims[benchmark]
        assert cells[5] == "failed", cells
        low, high = (float(x) for x in cells[3].split("–"))
        assert low < float(cells[2]) < high < float(cells[1])
    timeline = browser.find_element(By.CSS_SELECTOR, "ol.timeline").text
    assert "First seen: Mirage 70B" in timeline
    assert "Verdict: gsm8k 99.2 — failed" in timeline
    assert "Weights changed:" in timeline and "Endpoint changed:" in timeline
    chart = browser.find_element(By.CSS_SELECTOR, "img.chart")
    assert browser.execute_script("return arguments[0].naturalWidth", chart) > 0
    browser.save_screenshot(str(tmp_path / "mirage.png"))
    assert (tmp_path / "mirage.png").stat().st_size > 10_000
    _no_alert(browser)


def test_a_hostile_model_name_is_text_and_runs_nothing(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    hostile = "<img src=x onerror=alert(1)>"
    with Store.open(tmp_path / "x.db") as store:
        launch = store.create_launch("hostile", hostile, org="<script>alert(2)</script>")
        store.add_claim(launch.id, ClaimKind.SCORE, "score:gsm8k:", benchmark="gsm8k", value=99.0)
    for url in serve(tmp_path / "x.db"):
        for page in ("/", "/launches/hostile.html"):
            browser.get(url + page)
            _no_alert(browser)
            assert hostile in browser.find_element(By.TAG_NAME, "main").text
            assert not browser.find_elements(By.CSS_SELECTOR, "main img:not(.chart)")
            assert browser.execute_script("return document.scripts.length") == 0
        browser.save_screenshot(str(tmp_path / "hostile.png"))
