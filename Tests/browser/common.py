"""Shared helpers of the browser tests: the Chromium driver, sign-in, language, screenshots, JSON fetches."""

import json
import os
import pathlib
import re

import a11y
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parents[2]
BASE = os.environ.get("KEFU_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
ARTIFACTS = pathlib.Path(os.environ.get("KEFU_ARTIFACTS", ROOT / ".build" / "browser-artifacts"))
PASSWORD = os.environ.get("KEFU_TEST_PASSWORD", "correct horse battery staple")
TRAINEE = os.environ.get("KEFU_TEST_TRAINEE", "E001")
HOLDER = os.environ.get("KEFU_TEST_HOLDER", "E002")
CERTIFICATION = os.environ.get("KEFU_TEST_CERTIFICATION", "onboarding")
WAIT = 15  # seconds for any page condition

# What the tests found, for the later ones (attempt, run, result URLs).
STATE: dict = {}


def locale(lang: str) -> dict:
    """The flat `key: value` strings of Web/locales/{lang}.yaml and its per-area files {lang}.AREA.yaml."""
    strings = {}
    folder = ROOT / "Web" / "locales"
    files = [folder / f"{lang}.yaml"] + sorted(folder.glob(f"{lang}.*.yaml"))
    lines = [line for path in files for line in path.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        match = re.match(r"^([A-Za-z0-9_\-]+):\s*(.*)$", line)
        if match:
            value = match.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            strings[match.group(1)] = value
    return strings


EN = locale("en")
ZH = locale("zh")


def make_driver() -> webdriver.Chrome:
    """Debian's headless Chromium through Debian's chromedriver; nothing for Selenium Manager to download."""
    options = Options()
    options.binary_location = os.environ.get("KEFU_CHROMIUM", "/usr/bin/chromium")
    options.add_argument("--headless=new")
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")
    options.add_argument("--disable-dev-shm-usage")
    options.add_argument("--window-size=1280,900")
    options.add_argument("--lang=zh-CN")
    options.add_argument("--no-first-run")
    options.add_argument("--disable-extensions")
    options.add_argument("--disable-gpu")
    service = Service(executable_path=os.environ.get("KEFU_CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_window_size(1280, 900)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(20)
    return driver


def wait(driver, timeout: float = WAIT) -> WebDriverWait:
    # A page being replaced (a form posted, a reload) leaves stale elements behind: the condition is asked again.
    # Chromium sometimes reports such an element as a generic "Node with given id does not belong to the document"
    # error (a WebDriverException) instead of a stale element; it is asked again too, and a real failure still ends
    # in the wait's timeout with its message.
    return WebDriverWait(
        driver, timeout, poll_frequency=0.1,
        ignored_exceptions=(StaleElementReferenceException, NoSuchElementException, WebDriverException),
    )


def css(driver, selector: str):
    return driver.find_elements(By.CSS_SELECTOR, selector)


def visible(driver, selector: str, timeout: float = WAIT):
    return wait(driver, timeout).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, selector)), f"no visible {selector} on {driver.current_url}"
    )


def present(driver, selector: str, timeout: float = WAIT):
    return wait(driver, timeout).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, selector)), f"no {selector} on {driver.current_url}"
    )


def path_of(driver) -> str:
    url = driver.current_url
    return url[len(BASE):] if url.startswith(BASE) else url


def set_language(driver, lang: str) -> None:
    """Sets the `kefu_lang` cookie (the page must be on the app's origin); takes effect on the next request."""
    if not driver.current_url.startswith(BASE):
        driver.get(BASE + "/healthz")
    driver.delete_cookie("kefu_lang")
    driver.add_cookie({"name": "kefu_lang", "value": lang, "path": "/", "httpOnly": True, "sameSite": "Lax"})


def page_lang(driver) -> str:
    return driver.find_element(By.TAG_NAME, "html").get_attribute("lang") or ""


def sign_in(driver, person: str, password: str = PASSWORD, lang: str | None = None) -> None:
    """Signs in through the login form and waits for the home page."""
    driver.delete_all_cookies()
    if lang:
        set_language(driver, lang)
    driver.get(BASE + "/login")
    visible(driver, "#login-form")
    driver.find_element(By.ID, "person").send_keys(person)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "sign-in").click()
    wait(driver).until(lambda d: path_of(d) == "/", f"{person} did not land on / after signing in")
    present(driver, "tr[data-blueprint]")
    if lang:
        # Signing in may apply the person's own setting; the test asked for this language.
        set_language(driver, lang)
        driver.get(BASE + "/")
        present(driver, "tr[data-blueprint]")


def screenshot(driver, name: str) -> pathlib.Path:
    """Saves a screenshot; every page screenshotted (but a failure's) is also checked for accessibility (a11y.py)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if not driver.save_screenshot(str(path)):
        raise AssertionError(f"could not save the screenshot {path}")
    if not name.startswith("FAILED"):
        found = a11y.problems(driver)
        if found:
            raise AssertionError(f"{driver.current_url} ({name}): accessibility problems:\n  " + "\n  ".join(found))
    return path


def fetch(driver, path: str, method: str = "GET", body: str | None = None, headers: dict | None = None) -> dict:
    """A request from the page itself (same session cookie): {status, text, json}."""
    script = """
        const [url, method, body, headers, done] = arguments;
        fetch(url, {method, body, headers, credentials: "same-origin", cache: "no-store"})
          .then(async r => done({status: r.status, type: r.headers.get("content-type") || "", text: await r.text()}))
          .catch(e => done({status: 0, type: "", text: String(e)}));
    """
    result = driver.execute_async_script(script, BASE + path, method, body, headers or {})
    result["json"] = None
    if "json" in result["type"]:
        try:
            result["json"] = json.loads(result["text"])
        except ValueError:
            pass
    return result


def get_json(driver, path: str) -> dict:
    result = fetch(driver, path, headers={"Accept": "application/json"})
    if result["status"] != 200 or result["json"] is None:
        raise AssertionError(f"GET {path}: HTTP {result['status']} {result['text'][:300]}")
    return result["json"]


def body_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def error_page(driver) -> str | None:
    """The message of the app's error page (error.mustache) when that is what is shown."""
    alerts = driver.find_elements(By.CSS_SELECTOR, "section.card.narrow > p.error[role=alert]")
    if alerts and not driver.find_elements(By.ID, "login-form"):
        heading = driver.find_elements(By.CSS_SELECTOR, "section.card.narrow > h1")
        return f"{heading[0].text if heading else ''}: {alerts[0].text}"
    return None


def expect_page(driver, path_regex: str, what: str) -> None:
    """Waits for a page whose path matches; fails at once on the app's error page."""
    wait(driver).until(
        lambda d: re.fullmatch(path_regex, path_of(d).split("?")[0]) is not None or error_page(d) is not None,
        f"expected {what} ({path_regex}), still on {driver.current_url}",
    )
    error = error_page(driver)
    if error is not None and re.fullmatch(path_regex, path_of(driver).split("?")[0]) is None:
        raise AssertionError(f"expected {what} ({path_regex}); got the error page at {driver.current_url}: {error}")


def assert_english(test, driver, *expected: str) -> None:
    """`<html lang="en">` and English strings of en.yaml on the page (the header's verify link at least)."""
    test.assertEqual(page_lang(driver), "en", f"{driver.current_url}: <html lang> is not en")
    text = body_text(driver)
    for string in (EN["nav_verify"],) + expected:
        test.assertIn(string, text, f"{driver.current_url}: the English string {string!r} is not on the page")


def assert_chinese(test, driver) -> None:
    test.assertEqual(page_lang(driver), "zh", f"{driver.current_url}: <html lang> is not zh")
    test.assertIn(ZH["nav_verify"], body_text(driver), f"{driver.current_url}: the Chinese header string is missing")


def shoot_both(test, driver, name: str, reload_url: str | None = None, english: tuple = ()) -> None:
    """Screenshots of the current page in zh and en (switching with the cookie and a reload), ending in zh."""
    url = reload_url or driver.current_url
    for lang in ("zh", "en"):
        set_language(driver, lang)
        driver.get(url)
        present(driver, "main")
        if lang == "en":
            assert_english(test, driver, *english)
        else:
            assert_chinese(test, driver)
        screenshot(driver, f"{name}.{lang}")
    set_language(driver, "zh")
    driver.get(url)
    present(driver, "main")
