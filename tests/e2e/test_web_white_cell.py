"""The white cell's console in Chromium headless (docs/wargame.md, "The white cell"): the
master events list with its skip, edit and publish controls, and the jump of the clock;
each control's message becomes a decision of the session. Its screenshot goes to the
test's directory, and to docs/screenshots/ with CYBERDETER_UPDATE_SCREENSHOTS=1."""

import os
import shutil
import time

import h5py
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By

from seat_client import start_server
from test_web import browser, page_link  # noqa: F401 (a fixture)
from test_white_cell import FOUR_MOVES, INJECT, JUMP, OVERRIDE, SEATS, scenario


def wait_for(driver, css, accept=lambda e: True, seconds=30):
    deadline = time.time() + seconds
    while True:
        try:  # the list is drawn again with each change
            found = [e for e in driver.find_elements(By.CSS_SELECTOR, css) if accept(e)]
        except StaleElementReferenceException:
            found = []
        if found:
            return found[0]
        assert time.time() < deadline, f"nothing like {css}"
        time.sleep(0.2)


def row(driver, index):
    return wait_for(driver, f'#inject-list tr[data-inject="{index}"]')


def test_the_white_cell_skips_edits_publishes_and_jumps_from_its_page(binary, source_dir,
                                                                       tmp_path, browser):
    path = scenario(tmp_path, source_dir)
    out = tmp_path / "room.h5"
    proc, links = start_server(binary, [str(path), *(f"--seat={s}" for s in SEATS),
                                        "--white-cell", "--adjudicate", *FOUR_MOVES,
                                        "-o", str(out)])
    try:
        browser.get(page_link(links["white cell"]))
        wait_for(browser, "#channels .channel")  # move 1 is open
        browser.find_element(By.ID, "inject-reason").send_keys("from the console")
        row(browser, 0).find_element(By.CSS_SELECTOR, "button.inject-skip").click()
        wait_for(browser, '#inject-list tr[data-inject="0"]', lambda e: "off" in e.text)
        edit = row(browser, 1)
        edit.find_element(By.NAME, "day").send_keys("620")
        edit.find_element(By.NAME, "evidence").send_keys("0.6")
        edit.find_element(By.CSS_SELECTOR, "button.inject-edit").click()
        wait_for(browser, '#inject-list tr[data-inject="1"]', lambda e: "day 620" in e.text)
        row(browser, 2).find_element(By.CSS_SELECTOR, "button.inject-publish").click()
        wait_for(browser, '#inject-list tr[data-inject="2"]', lambda e: "happened" in e.text)
        # A bad edit is refused with the loader's reason, in the log.
        bad = row(browser, 1)
        bad.find_element(By.NAME, "evidence").send_keys("2")
        bad.find_element(By.CSS_SELECTOR, "button.inject-edit").click()
        wait_for(browser, "#log li.error", lambda e: "evidence" in e.text)
        browser.save_screenshot(str(tmp_path / "white-cell-injects.png"))
        browser.find_element(By.ID, "jump-day").send_keys("1200")
        browser.find_element(By.ID, "jump").click()
        wait_for(browser, "#channels .channel", lambda e: "move 4" in e.text, 60)
        browser.find_element(By.ID, "end-move").click()
        # The move's outcomes for review: an override without a reason is refused, one with
        # a reason taken; the rest accepted.
        box = wait_for(browser, "#white-review:not(.hidden) .adjudication")
        incident = int(box.get_attribute("data-incident"))
        box.find_element(By.CSS_SELECTOR, "button.override").click()
        wait_for(browser, "#log li.error", lambda e: "needs a reason" in e.text)
        box.find_element(By.NAME, "reason").send_keys("the capitals disagree")
        box.find_element(By.CSS_SELECTOR, "button.override").click()
        wait_for(browser, "#log li", lambda e: "accepted: override" in e.text)
        browser.save_screenshot(str(tmp_path / "white-cell-adjudication.png"))
        browser.find_element(By.ID, "adjudicated").click()
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    with h5py.File(out, "r") as f:
        d = f["/wargame/decisions"][()]
        actions = [a.decode() for a in f["/wargame/actions"][()]]
        reasons = [a.decode() for a in f["/wargame/rationales"][()]]
    injects = [(r["turn"], a, t) for r, a, t in zip(d, actions, reasons) if r["kind"] == INJECT]
    assert injects == [(0, "skip", "from the console"),
                       (1, "edit {day = 620.0, evidence = 0.6}", "from the console"),
                       (2, "publish", "from the console")]
    assert set(d["source"][(d["move"] < 4) & (d["kind"] != INJECT)]) == {JUMP}
    rulings = [(r["incident"], t) for r, t in zip(d, reasons) if r["kind"] == OVERRIDE]
    assert rulings == [(incident, "the capitals disagree")]
    if os.environ.get("CYBERDETER_UPDATE_SCREENSHOTS") == "1":
        for png in ("white-cell-injects.png", "white-cell-adjudication.png"):
            shutil.copy(tmp_path / png, source_dir / "docs" / "screenshots" / png)
