"""The war-game page served by `cyberdeter serve`, driven in Debian's Chromium headless
(Selenium with chromium-driver, both installed by scripts/install-deps.sh), on loopback:
three seats and the white cell play one move with a joint statement — the victim drafts
a coordinated statement releasing half its evidence, one ally amends it, the other
speaks separately — the victim shares an item of its intelligence inbox with one ally
(which sees it, and the other does not), and every page shows its hotwash at the end. Screenshots of each view
go to the test's directory, and to docs/screenshots/ with CYBERDETER_UPDATE_SCREENSHOTS=1."""

import os
import shutil
import time

import h5py
import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from seat_client import start_server

SCENARIO = "scenarios/coordinated_attribution.toml"
SEATS = ["Victim", "Ally1", "Ally2"]


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1600", "--disable-background-timer-throttling",
                "--disable-renderer-backgrounding"]:
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def page_link(ws_link):
    return "http://" + ws_link[len("ws://"):]


def answer_all(driver, seat):
    """Fills and sends every open question of the seat's page; returns how many."""
    sent = 0
    for box in driver.find_elements(By.CSS_SELECTOR, "#forms:not(.hidden) .item"):
        button = box.find_element(By.CSS_SELECTOR, "button.send")
        if not button.is_enabled():
            continue
        if box.get_attribute("data-kind") == "respond":
            rung = Select(box.find_element(By.NAME, "rung"))
            if seat == "Victim" and "coordinate" in [o.text for o in rung.options]:
                rung.select_by_value("coordinate")
                box.find_element(By.NAME, "evidence").send_keys("0.5")
                Select(box.find_element(By.NAME, "likelihood")).select_by_value("likely")
                box.find_element(By.NAME, "p").send_keys("0.8")
                box.find_element(By.NAME, "rationale").send_keys("strong case; allies aligned")
        else:
            stance = Select(box.find_element(By.NAME, "stance"))
            if seat == "Ally1":
                stance.select_by_value("amend")
                box.find_element(By.NAME, "evidence").send_keys("0.2")
            elif seat == "Ally2":
                stance.select_by_value("separate")
        button.click()
        sent += 1
    return sent


def wait_for(driver, css, what, timeout=30):
    deadline = time.time() + timeout
    while not driver.find_elements(By.CSS_SELECTOR, css):
        assert time.time() < deadline, what
        time.sleep(0.2)
    return driver.find_elements(By.CSS_SELECTOR, css)


def text_of(driver, css):
    """The text of the element `css` selects, read again if the page redrew it meanwhile."""
    for _ in range(20):
        try:
            return driver.find_element(By.CSS_SELECTOR, css).text
        except (StaleElementReferenceException, NoSuchElementException):
            time.sleep(0.1)
    return ""


def shoot(driver, element_id, path):
    """A screenshot of the window with the element `element_id` at its top."""
    driver.execute_script("document.getElementById(arguments[0]).scrollIntoView()", element_id)
    driver.save_screenshot(str(path))
    driver.execute_script("window.scrollTo(0, 0)")


def share_in_inbox(browser, tabs, shots):
    """The victim shares its first item with Ally1 on the page: Ally1 sees it, marked as
    shared by the victim; Ally2 does not."""
    browser.switch_to.window(tabs["Victim"])
    items = wait_for(browser, "#intel:not(.hidden) .intel-item", "Victim: no intelligence")
    first = items[0]
    item_id = first.get_attribute("data-item")
    text = first.text
    assert "Likelihood" in text and "Confidence" in text and "Releasability" in text
    assert "REL TO ALL SEATS" in text
    offered = [c.get_attribute("value")
               for c in first.find_elements(By.CSS_SELECTOR, "input[name=share-with]")]
    assert offered == ["Ally1", "Ally2"], "the share control lists the seats allowed"
    shoot(browser, "intel", shots / "inbox-Victim.png")
    first.find_element(By.CSS_SELECTOR, "input[value=Ally1]").click()
    first.find_element(By.CSS_SELECTOR, "button.share-send").click()
    deadline = time.time() + 10
    while "Ally1" not in text_of(browser, f'.intel-item[data-item="{item_id}"] .shared-with'):
        assert time.time() < deadline, "the victim's page does not show the share"
        time.sleep(0.2)
    browser.switch_to.window(tabs["Ally1"])
    got = wait_for(browser, f'.intel-item.shared[data-item="{item_id}"]', "Ally1: no share")[0]
    assert "shared with you by Victim" in got.text
    assert not got.find_elements(By.CSS_SELECTOR, "button.share-send"), "a recipient cannot pass it on"
    shoot(browser, "intel", shots / "inbox-Ally1.png")
    browser.switch_to.window(tabs["Ally2"])
    assert not browser.find_elements(By.CSS_SELECTOR, f'.intel-item[data-item="{item_id}"]')
    browser.switch_to.window(tabs["white cell"])
    wait_for(browser, f'.intel-item[data-item="{item_id}"]', "white cell: no item")
    deadline = time.time() + 10
    while "Ally1" not in text_of(browser, f'.intel-item[data-item="{item_id}"] .shared-with'):
        assert time.time() < deadline, "the white cell does not see the share"
        time.sleep(0.2)


def test_three_seats_and_the_white_cell_play_a_move_in_chromium(binary, source_dir, tmp_path,
                                                                browser):
    out = tmp_path / "room.h5"
    proc, links = start_server(binary, [
        str(source_dir / SCENARIO), *(f"--seat={s}" for s in SEATS), "--white-cell",
        "--turn-days", "0", "--move-days", "365", "--horizon-days", "365", "-o", str(out)])
    shots = tmp_path / "screenshots"
    shots.mkdir()
    try:
        tabs = {}
        for name in ["white cell", *SEATS]:
            if tabs:
                browser.switch_to.new_window("tab")
            browser.get(page_link(links[name]))
            tabs[name] = browser.current_window_handle
        # Every seat sees its own form, the white cell every channel.
        for name in SEATS:
            browser.switch_to.window(tabs[name])
            deadline = time.time() + 30
            while not browser.find_elements(By.CSS_SELECTOR, "#forms:not(.hidden) .item"):
                assert time.time() < deadline, f"{name}: no form"
                time.sleep(0.2)
            assert name in browser.find_element(By.ID, "who").text
            browser.save_screenshot(str(shots / f"seat-{name}.png"))
        browser.switch_to.window(tabs["white cell"])
        assert browser.find_element(By.ID, "white").is_displayed()
        seen = {e.get_attribute("data-seat")
                for e in browser.find_elements(By.CSS_SELECTOR, "#channels .channel")}
        assert seen == set(SEATS)
        browser.save_screenshot(str(shots / "white-cell.png"))
        share_in_inbox(browser, tabs, shots)
        # Play the move (and its follow-ups) until the session ends.
        deadline = time.time() + 120
        while proc.poll() is None:
            assert time.time() < deadline, "the session did not end"
            for name in SEATS:
                browser.switch_to.window(tabs[name])
                answer_all(browser, name)
            time.sleep(0.3)
        assert proc.wait(30) == 0
        for name in ["white cell", *SEATS]:
            browser.switch_to.window(tabs[name])
            deadline = time.time() + 10
            while not browser.find_element(By.ID, "end").is_displayed():
                assert time.time() < deadline, f"{name}: no hotwash"
                time.sleep(0.2)
            assert "AFTER-ACTION SUMMARY" in browser.find_element(By.ID, "summary").text
            # Each seat sees its own hotwash, the white cell every seat's.
            shown = [e.get_attribute("data-seat")
                     for e in browser.find_elements(By.CSS_SELECTOR, "#hotwash .seat-hotwash")]
            assert shown == (SEATS if name == "white cell" else [name])
            for box in browser.find_elements(By.CSS_SELECTOR, "#hotwash .seat-hotwash"):
                assert "Brier score" in box.text or "No probability stated" in box.text
                assert box.find_elements(By.CSS_SELECTOR, "table.cases tr")
                assert "Against the same replication played by the doctrine" in box.text
            if name == "Victim":
                assert "Brier score" in browser.find_element(By.ID, "hotwash").text
                assert "true culprit" in browser.find_element(By.ID, "hotwash").text
            if name != "white cell":
                shoot(browser, "end", shots / f"hotwash-{name}.png")
        browser.switch_to.window(tabs["white cell"])
        shoot(browser, "end", shots / "hotwash.png")
    finally:
        if proc.poll() is None:
            proc.kill()
    with h5py.File(out, "r") as f:
        actions = [a.decode() for a in f["/wargame/actions"][()]]
        d = f["/wargame/decisions"][()]
        inc = f["/incidents"][()]
    words = {SEATS[s]: {a for a, r in zip(actions, d) if r["state"] == s} for s in range(3)}
    assert "coordinate evidence 0.5 likelihood likely p 0.8" in words["Victim"]
    assert words["Ally1"] <= {"amend evidence 0.2", "decline", "join"}
    assert "amend evidence 0.2" in words["Ally1"] and "separate" in words["Ally2"]
    assert set(d["source"]) == {0}, "every question was answered on the page"
    assert 2 in set(inc["statement"]), "a split statement: Ally2 spoke separately"
    if os.environ.get("CYBERDETER_UPDATE_SCREENSHOTS") == "1":
        target = source_dir / "docs" / "screenshots"
        target.mkdir(exist_ok=True)
        for png in shots.iterdir():
            shutil.copy(png, target / png.name)
