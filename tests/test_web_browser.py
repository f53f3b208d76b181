"""`diagnose serve` in a real headless Chromium (the distribution's package, driven by Selenium):
start a case, answer, ask why, confirm the actions and download the letter, in English and Chinese;
tick several notice reasons, and see a refused edit keep what was typed.

The English run takes the README's two screenshots, serve-case.png and serve-letter.png: into a
temporary folder, or into docs/ with SCREENSHOTS=docs (so a test run leaves the checkout as it was).
"""
import os
import tempfile
import threading
import time

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from werkzeug.serving import make_server

from conftest import ROOT
from diagnose.knowledge import load_knowledge
from diagnose.web import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1000"]
SHOTS = ROOT / os.environ["SCREENSHOTS"] if os.environ.get("SCREENSHOTS") else None

pytestmark = pytest.mark.skipif(
    not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)),
    reason=f"needs Chromium and its driver ({CHROMIUM}, {CHROMEDRIVER}): apt-get install chromium chromium-driver")

# The seller: an Amazon shop warned over cancellations that come from stock-outs.
ANSWERS = {"notice_reason": "cancel_rate", "fulfilment": "seller", "out_of_stock_often": "yes",
           "orders_7d": "412", "cancelled_orders_7d": "19"}
LETTER = {"store_name": "Maple Goods", "seller_id": "A1B2C3D4", "suspension_date": "11/02/2026",
          "supplier_name": "Acme Supply Co.", "order_ids": "113-0001, 113-0002", "seller_name": "Ann Lee, owner"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workspace = tmp_path_factory.mktemp("cases")
    listener = make_server("127.0.0.1", 0, create_app(str(workspace), str(ROOT)), threaded=True)
    thread = threading.Thread(target=listener.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.server_port}", workspace
    listener.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def find(browser, css):
    return browser.find_element(By.CSS_SELECTOR, css)


def present(browser, css):
    try:
        return find(browser, css)
    except NoSuchElementException:
        return None


def click_and_wait(browser, element):
    """Click a button or link that loads a new page, and wait for that page."""
    old = find(browser, "html")
    element.click()
    WebDriverWait(browser, 10).until(lambda b: old.id != find(b, "html").id)


def new_case(browser, base, name, lang):
    browser.get(f"{base}/?lang={lang}")
    find(browser, "#new-case input[name=name]").send_keys(name)
    Select(find(browser, "#new-case select[name=platform]")).select_by_value("amazon")
    click_and_wait(browser, find(browser, "#new-case button[type=submit]"))
    assert browser.current_url.endswith(f"/case/{name}")


def run_interview(browser, shot=None, after=3):
    """Answer from ANSWERS (the rest: not known), asking why once, until the stock-out answer makes its
    cause lead (the notice's prior lists it before) and ``after`` more questions are answered (or the
    interview is complete). Returns the facts asked."""
    asked, left = [], None
    for _ in range(150):
        if present(browser, "#settled") or left == 0:
            return asked
        fact = find(browser, "#answer-form input[name=fact]").get_attribute("value")
        asked.append(fact)
        if fact == "out_of_stock_often":  # why names the fact by its question, not its id
            question = find(browser, "#question-text").text
            click_and_wait(browser, find(browser, "#why-link"))
            why = find(browser, "#why pre").text
            assert question in why and "out_of_stock_often" not in why
        if left is None and "out_of_stock_often" in asked[:-1] and present(browser, "#cause-chronic_stockout"):
            left = after
            if shot:
                browser.execute_script("window.scrollTo(0, 0)")
                browser.save_screenshot(str(shot))
        if left is not None:
            left -= 1
        if fact not in ANSWERS:
            click_and_wait(browser, find(browser, "#skip"))
        elif present(browser, f"#answer-form input[type=checkbox][value='{ANSWERS[fact]}']"):  # several choices
            find(browser, f"#answer-form input[type=checkbox][value='{ANSWERS[fact]}']").click()
            click_and_wait(browser, find(browser, "#answer-button"))
        elif present(browser, f"#answer-form button[value='{ANSWERS[fact]}']"):
            click_and_wait(browser, find(browser, f"#answer-form button[value='{ANSWERS[fact]}']"))
        else:
            find(browser, "#answer-value").send_keys(ANSWERS[fact])
            click_and_wait(browser, find(browser, "#answer-button"))
    raise AssertionError(f"the stock-out cause never led: {asked}")


def complete_letter(browser, downloads, name, lang, shot=None):
    """Fill every placeholder, confirm every corrective action, and download the letter as text (``shot``: a
    screenshot of the draft as it first comes, placeholders highlighted)."""
    click_and_wait(browser, find(browser, "#to-letter") if present(browser, "#to-letter")
                   else find(browser, "#letter-link"))
    assert "not-ready" in find(browser, "#verdict").get_attribute("class")
    assert find(browser, "#draft-text mark").text == "[STORE NAME]"
    if shot:
        browser.save_screenshot(str(shot))
    while present(browser, "#missing form"):
        form = find(browser, "#missing form")
        fact = form.find_element(By.CSS_SELECTOR, "input[name=fact]").get_attribute("value")
        form.find_element(By.CSS_SELECTOR, "[name=value]").send_keys(LETTER[fact])
        click_and_wait(browser, form.find_element(By.CSS_SELECTOR, "button"))
    boxes = browser.find_elements(By.CSS_SELECTOR, "#actions-form input[type=checkbox]")
    remedies = load_knowledge(ROOT).remedies  # only corrective actions are asked: the letter states measures as they are
    assert boxes and {remedies[box.get_attribute("value")].kind for box in boxes} == {"immediate"}
    for box in boxes:
        box.click()
    click_and_wait(browser, find(browser, "#save-actions"))
    assert "ready" in find(browser, "#verdict").get_attribute("class").split()
    assert not present(browser, "#draft-text mark")
    find(browser, "#copy").click()
    WebDriverWait(browser, 5).until(lambda b: find(b, "#copy").text in ("Copied", "已复制"))
    find(browser, "#download-txt").click()
    path = downloads / f"{name}-letter.{lang}.txt"
    deadline = time.monotonic() + 15
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert path.exists(), sorted(p.name for p in downloads.iterdir())
    return path.read_text(encoding="utf-8")


def test_a_case_in_english_from_the_first_question_to_the_letter(server, browser, downloads, tmp_path):
    base, workspace = server
    new_case(browser, base, "maple-en", "en")
    assert find(browser, "#question-text").text == "What reason does the platform's notice give?"
    shots = SHOTS or tmp_path
    asked = run_interview(browser, shot=shots / "serve-case.png")
    assert asked[:2] == ["notice_reason", "cancel_rate"] and "out_of_stock_often" in asked
    assert find(browser, "#cause-chronic_stockout h3").text.endswith("90%")  # 0.85 with the notice's prior
    letter = complete_letter(browser, downloads, "maple-en", "en", shot=shots / "serve-letter.png")
    assert "From: Maple Goods (merchant token A1B2C3D4)" in letter
    assert "Plan of Action for the notice of 2026-11-02" in letter
    assert "[" not in letter  # no placeholder left
    assert (shots / "serve-case.png").stat().st_size > 20_000 and (shots / "serve-letter.png").stat().st_size > 20_000
    saved = (workspace / "maple-en.yaml").read_text(encoding="utf-8")
    assert "actions_done:" in saved and "store_name: Maple Goods" in saved


def test_a_case_in_chinese_from_the_first_question_to_the_letter(server, browser, downloads):
    base, workspace = server
    new_case(browser, base, "maple-zh", "zh")
    assert find(browser, "#question-text").text == "平台通知里给出的原因是什么？"
    assert find(browser, "#why-link").text == "为什么问这个？"
    run_interview(browser)
    assert "在售商品经常断货" in find(browser, "#cause-chronic_stockout h3").text
    letter = complete_letter(browser, downloads, "maple-zh", "zh")
    assert "Maple Goods" in letter and "[" not in letter
    assert "亚马逊" in letter or "Amazon" in letter
    click_and_wait(browser, find(browser, "#lang-en"))
    assert find(browser, "#verdict h2").text == "Ready to send: nothing is left to confirm."


def test_a_notice_with_several_reasons_is_ticked_saved_and_kept_through_a_refusal(server, browser):
    base, workspace = server
    new_case(browser, base, "several", "en")
    assert find(browser, "#question-text").text == "What reason does the platform's notice give?"
    click_and_wait(browser, find(browser, "#answer-button"))  # nothing ticked: refused, the question stays
    assert "That answer does not fit" in find(browser, "#problem").text
    assert find(browser, "#answer-form input[name=fact]").get_attribute("value") == "notice_reason"
    for reason in ("late_shipment", "valid_tracking"):
        find(browser, f"#answer-form input[type=checkbox][value='{reason}']").click()
    click_and_wait(browser, find(browser, "#answer-button"))
    saved = (workspace / "several.yaml").read_text(encoding="utf-8")
    assert "notice_reason:\n- late_shipment\n- valid_tracking\n" in saved
    row = find(browser, "#answer-notice_reason")
    assert row.find_element(By.CSS_SELECTOR, "td.value").text == "late shipment rate, valid tracking rate"
    # in a case's answers, the saved reasons come back ticked; a refused edit keeps what was typed
    (workspace / "edits.yaml").write_text("platform: amazon\nnotice_reason: [late_shipment, valid_tracking]\n"
                                          "late_shipment_rate: 5%\n", encoding="utf-8")
    before = (workspace / "edits.yaml").read_text(encoding="utf-8")
    browser.get(f"{base}/case/edits?lang=en")
    row = find(browser, "#answer-notice_reason")
    row.find_element(By.CSS_SELECTOR, "summary").click()
    checked = row.find_elements(By.CSS_SELECTOR, "input[type=checkbox]:checked")
    assert [box.get_attribute("value") for box in checked] == ["late_shipment", "valid_tracking"]
    rate = find(browser, "#answer-late_shipment_rate")
    rate.find_element(By.CSS_SELECTOR, "summary").click()
    box = rate.find_element(By.CSS_SELECTOR, "input[name=value]")
    box.clear()
    box.send_keys("lots and lots")
    click_and_wait(browser, rate.find_element(By.CSS_SELECTOR, "button[value=set]"))
    assert "That answer does not fit" in find(browser, "#problem").text
    kept = find(browser, "#answer-late_shipment_rate input[name=value]")
    assert kept.get_attribute("value") == "lots and lots" and kept.is_displayed()
    assert (workspace / "edits.yaml").read_text(encoding="utf-8") == before  # nothing saved
