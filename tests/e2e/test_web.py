"""The war-game page served by `cyberdeter serve`, driven in Debian's Chromium headless
(Selenium with chromium-driver, both installed by scripts/install-deps.sh), on loopback:
three seats and the white cell play one move with a joint statement — the victim drafts
a coordinated statement releasing half its evidence, one ally amends it, the other
speaks separately — and every page shows the hotwash at the end. Screenshots of each view
go to the test's directory, and to docs/screenshots/ with CYBERDETER_UPDATE_SCREENSHOTS=1."""

import os
import shutil
import time

import h5py
import pytest
from selenium import webdriver
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
            assert "After-action" in browser.find_element(By.ID, "summary").text or \
                browser.find_element(By.ID, "summary").text
        browser.save_screenshot(str(shots / "hotwash.png"))
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
