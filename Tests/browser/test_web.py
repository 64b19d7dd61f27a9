"""End-to-end tests of `kefu serve` in headless Chromium (issue 15). Run through scripts/browser-test.sh.

The tests run in name order and share what they found (the attempt, the run) through common.STATE.
"""

import base64
import functools
import json
import re
import time
import unittest

from selenium.common.exceptions import ElementClickInterceptedException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

import common
from common import BASE, EN, ZH, css, present, visible, wait

CHINESE_ANSWER = "您好，我是客服代表，很抱歉给您带来不便，我马上为您核实处理。"


def artifacts_on_failure(test):
    """On a failure or error, keeps a screenshot and the page's HTML as artifacts, then re-raises."""

    @functools.wraps(test)
    def wrapper(self, *args, **kwargs):
        try:
            return test(self, *args, **kwargs)
        except BaseException:
            try:
                common.screenshot(self.driver, f"FAILED-{test.__name__}")
                (common.ARTIFACTS / f"FAILED-{test.__name__}.html").write_text(
                    f"<!-- {self.driver.current_url} -->\n" + self.driver.page_source, encoding="utf-8"
                )
            except Exception:  # noqa: BLE001 — the original failure matters more
                pass
            raise

    return wrapper


def click(driver, element) -> None:
    """A real click; a script click when something (a sticky bar) covers the element."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    try:
        element.click()
    except ElementClickInterceptedException:
        driver.execute_script("arguments[0].click()", element)


class WebTests(unittest.TestCase):
    def setUp(self):
        self.driver = common.make_driver()

    def tearDown(self):
        self.driver.quit()

    # ---------------------------------------------------------------------------------------------- a. sign in

    @artifacts_on_failure
    def test_1_sign_in(self):
        d = self.driver
        d.get(BASE + "/")
        common.expect_page(d, r"/login", "an anonymous visitor redirected to the login page")
        visible(d, "#login-form")
        common.shoot_both(self, d, "login", english=(EN["sign_in"], EN["password"]))

        # A wrong password: the error, still on the login page, not signed in.
        d.find_element(By.ID, "person").send_keys(common.TRAINEE)
        d.find_element(By.ID, "password").send_keys("wrong horse battery staple")
        click(d, d.find_element(By.ID, "sign-in"))
        error = visible(d, "#main .error[role=alert]")
        self.assertEqual(error.text.strip(), ZH["wrong_credentials"], "the wrong-password message")
        self.assertEqual(common.path_of(d).split("?")[0], "/login")
        d.get(BASE + "/")
        common.expect_page(d, r"/login", "still anonymous after a wrong password")

        # The right password: the home page with exams, scenarios and certifications.
        common.sign_in(d, common.TRAINEE, lang="zh")
        rows = css(d, "tr[data-blueprint]")
        self.assertGreaterEqual(len(rows), 1, "no exams on the home page")
        self.assertIn("onboarding-theory", [r.get_attribute("data-blueprint") for r in rows])
        self.assertTrue(
            css(d, 'tr[data-blueprint="onboarding-theory"] form[action="/exams/onboarding-theory/start"] button.start-exam'),
            "no start button for onboarding-theory",
        )
        self.assertGreaterEqual(len(css(d, "tr[data-scenario]")), 1, "no scenarios on the home page")
        certifications = css(d, "#cert-h")
        self.assertTrue(certifications, "no certifications section on the home page")
        self.assertEqual(certifications[0].text.strip(), ZH["my_certifications"])
        # The header's language button switches to English and back.
        switch = d.find_element(By.CSS_SELECTOR, 'form[action="/settings/language"] button')
        click(d, switch)
        wait(d).until(lambda x: common.page_lang(x) == "en", "the language button did not switch to English")
        common.assert_english(self, d, EN["my_exams"], EN["my_scenarios"], EN["my_certifications"])
        click(d, d.find_element(By.CSS_SELECTOR, 'form[action="/settings/language"] button'))
        wait(d).until(lambda x: common.page_lang(x) == "zh", "the language button did not switch back to Chinese")
        common.shoot_both(self, d, "home", reload_url=BASE + "/", english=(EN["my_exams"], EN["my_scenarios"]))

    # ------------------------------------------------------------------- b. an exam with a reload and a drop

    def _question(self):
        fieldsets = css(self.driver, "fieldset.question[data-pos]")
        self.assertEqual(len(fieldsets), 1, "the blueprint shows one question per page")
        return fieldsets[0]

    def _pending(self, attempt: str) -> dict:
        raw = self.driver.execute_script("return localStorage.getItem(arguments[0])", f"kefu-pending-{attempt}")
        return json.loads(raw or "{}")

    def _answer(self, fieldset) -> tuple:
        """Answers the question shown like a candidate would; returns (position, type, what was given)."""
        d = self.driver
        pos, kind = int(fieldset.get_attribute("data-pos")), fieldset.get_attribute("data-type")
        if kind in ("single", "truefalse", "multiple"):
            kind_input = "checkbox" if kind == "multiple" else "radio"
            choice = fieldset.find_elements(By.CSS_SELECTOR, f'input[type="{kind_input}"][name="a{pos}"]')
            self.assertTrue(choice, f"question {pos + 1} ({kind}) has no {kind_input}")
            click(d, choice[0])
            self.assertTrue(choice[0].is_selected())
            given = choice[0].get_attribute("value")
        elif kind in ("numerical", "short", "essay"):
            tag = "textarea" if kind == "essay" else "input"
            field = fieldset.find_element(By.CSS_SELECTOR, f'{tag}[name="a{pos}"]')
            given = "3" if kind == "numerical" else CHINESE_ANSWER
            field.clear()
            field.send_keys(given)
        elif kind == "matching":
            selects = fieldset.find_elements(By.CSS_SELECTOR, f'select[name^="m{pos}_"]')
            self.assertTrue(selects, f"question {pos + 1} (matching) has no selects")
            given = []
            for element in selects:
                select = Select(element)
                option = next(o for o in select.options if o.get_attribute("value"))
                select.select_by_value(option.get_attribute("value"))
                given.append(option.get_attribute("value"))
        else:
            self.fail(f"question {pos + 1} has a type the test does not know: {kind!r}")
        return pos, kind, given

    def _shown(self, fieldset, kind: str, given) -> bool:
        """Whether the page shows the answer given."""
        pos = int(fieldset.get_attribute("data-pos"))
        if kind in ("single", "truefalse", "multiple"):
            return any(
                i.is_selected() and i.get_attribute("value") == given
                for i in fieldset.find_elements(By.CSS_SELECTOR, f'input[name="a{pos}"]')
            )
        if kind in ("numerical", "short", "essay"):
            tag = "textarea" if kind == "essay" else "input"
            return fieldset.find_element(By.CSS_SELECTOR, f'{tag}[name="a{pos}"]').get_attribute("value") == given
        values = [Select(s).first_selected_option.get_attribute("value")
                  for s in fieldset.find_elements(By.CSS_SELECTOR, f'select[name^="m{pos}_"]')]
        return values == given

    def _wait_saved(self, attempt: str, pos: int, timeout: float = common.WAIT, button: bool = True) -> None:
        """Waits for #save-state.saved with nothing pending in localStorage (and the question's button answered)."""
        d = self.driver
        try:
            wait(d, timeout).until(
                lambda x: "saved" in (x.find_element(By.ID, "save-state").get_attribute("class") or "").split()
                and str(pos) not in self._pending(attempt)
                and (not button or "answered" in
                     (x.find_element(By.CSS_SELECTOR, f'.qbtn[data-pos="{pos}"]').get_attribute("class") or "")),
            )
        except TimeoutException:
            state = d.find_element(By.ID, "save-state")
            button_class = d.find_element(By.CSS_SELECTOR, f'.qbtn[data-pos="{pos}"]').get_attribute("class")
            self.fail(f"question {pos + 1}: the answer was not confirmed saved within {timeout} s (#save-state "
                      f"{state.get_attribute('class')!r}: {state.text!r}; pending {self._pending(attempt)}; "
                      f"button {button_class!r})")

    def _go_next(self, pos: int) -> None:
        d = self.driver
        click(d, d.find_element(By.ID, "next"))
        wait(d).until(
            lambda x: (f := x.find_elements(By.CSS_SELECTOR, "fieldset.question[data-pos]"))
            and f[0].get_attribute("data-pos") != str(pos),
            f"#next did not leave question {pos + 1}",
        )

    def _network(self, offline: bool) -> None:
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )

    @artifacts_on_failure
    def test_2_exam_reload_and_dropped_request(self):
        d = self.driver
        common.sign_in(d, common.TRAINEE, lang="zh")
        start = d.find_element(
            By.CSS_SELECTOR, 'tr[data-blueprint="onboarding-theory"] form[action="/exams/onboarding-theory/start"] button.start-exam'
        )
        click(d, start)
        common.expect_page(d, r"/attempts/\d+", "the attempt's page")
        form = present(d, "form#exam-form")
        attempt = form.get_attribute("data-attempt")
        self.assertEqual(common.path_of(d).split("?")[0], f"/attempts/{attempt}")
        common.STATE["attempt"] = attempt
        count = len(css(d, ".qbtn[data-pos]"))
        self.assertGreaterEqual(count, 3, "the paper needs at least three questions for this test")
        countdown = visible(d, "#countdown")
        self.assertRegex(countdown.text.strip(), r"^(\d+:)?\d\d:\d\d$", "the countdown shows no time left")
        first = countdown.text
        wait(d, 5).until(lambda x: x.find_element(By.ID, "countdown").text != first, "the countdown does not tick")
        common.shoot_both(self, d, "exam-question", english=(EN["submit_exam"], EN["time_left"]))

        answered = {}  # position → (type, given)
        # Question 1: answered and confirmed saved.
        pos, kind, given = self._answer(self._question())
        answered[pos] = (kind, given)
        self._wait_saved(attempt, pos)
        self._go_next(pos)

        # Question 2: answered, then the page is reloaded; the answer is still there.
        pos, kind, given = self._answer(self._question())
        answered[pos] = (kind, given)
        self._wait_saved(attempt, pos)
        d.refresh()
        fieldset = present(d, "fieldset.question[data-pos]")
        self.assertEqual(fieldset.get_attribute("data-pos"), str(pos), "the reload did not resume at the same question")
        self.assertTrue(self._shown(fieldset, kind, given), f"question {pos + 1}: the answer is gone after a reload")
        self.assertIn("answered", d.find_element(By.CSS_SELECTOR, f'.qbtn[data-pos="{pos}"]').get_attribute("class"))
        self._go_next(pos)

        # Question 3: the network drops while answering; the page says it is retrying, then saves by itself.
        self._network(offline=True)
        try:
            pos, kind, given = self._answer(self._question())
            answered[pos] = (kind, given)
            wait(d).until(
                lambda x: "failed" in (x.find_element(By.ID, "save-state").get_attribute("class") or "").split(),
                "#save-state did not show the failure while offline",
            )
            self.assertIn(str(pos), self._pending(attempt), "the unsaved answer is not kept in localStorage")
        finally:
            self._network(offline=False)
        self._wait_saved(attempt, pos, timeout=40)

        # The rest, every type met, to the last question.
        while css(d, "#next"):
            self._go_next(pos)
            pos, kind, given = self._answer(self._question())
            answered[pos] = (kind, given)
            self._wait_saved(attempt, pos)
        self.assertEqual(len(answered), count, "not every question was reached with #next")

        # The server has every answer, including those around the reload and the offline period.
        state = common.get_json(d, f"/api/attempts/{attempt}")
        self.assertEqual(state.get("status"), "in-progress")
        responses = state.get("responses") or []
        self.assertEqual(len(responses), count)
        missing = [p + 1 for p in answered if responses[p] is None]
        self.assertEqual(missing, [], f"answers not stored for questions {missing}: {responses}")
        for p, (kind, given) in answered.items():
            if kind in ("short", "essay"):
                self.assertEqual(responses[p].get("text"), given, f"question {p + 1}: stored text differs")
            if kind == "numerical":
                self.assertEqual(float(responses[p].get("number")), 3.0, f"question {p + 1}: stored number differs")

        # Submit (confirmed in the browser's dialog) and land on the result.
        click(d, d.find_element(By.ID, "submit-exam"))
        alert = wait(d).until(EC.alert_is_present(), "submitting asked no confirmation")
        alert.accept()
        verdict = present(d, "#verdict")
        self.assertTrue(verdict.text.strip(), "the verdict is empty")
        common.expect_page(d, rf"/attempts/{attempt}", "the result page")
        self.assertFalse(css(d, "form#exam-form"), "the result page still shows the exam form")
        result = common.get_json(d, f"/api/attempts/{attempt}")
        self.assertNotEqual(result.get("status"), "in-progress", "the attempt is still in progress after submitting")
        items = result.get("items") or []
        if items and all(isinstance(i, dict) and "response" in i for i in items):
            missing = [p + 1 for p in answered if items[p].get("response") is None]
            self.assertEqual(missing, [], f"the result lost the answers to questions {missing}")
        common.STATE["result_url"] = f"{BASE}/attempts/{attempt}"
        common.shoot_both(self, d, "exam-result", english=(EN["back_home"],))

    @artifacts_on_failure
    def test_2b_exam_reload_before_the_answer_is_saved(self):
        """The crash case: the answer never reached the server when the page is reloaded (its request blocked)."""
        d = self.driver
        common.sign_in(d, "E003", lang="zh")
        click(d, d.find_element(By.CSS_SELECTOR, 'tr[data-blueprint="onboarding-theory"] button.start-exam'))
        common.expect_page(d, r"/attempts/\d+", "the attempt's page")
        attempt = present(d, "form#exam-form").get_attribute("data-attempt")
        d.execute_cdp_cmd("Network.enable", {})
        d.execute_cdp_cmd("Network.setBlockedURLs", {"urls": [f"*/attempts/{attempt}/answer*"]})
        try:
            pos, kind, given = self._answer(self._question())
            wait(d).until(
                lambda x: "failed" in (x.find_element(By.ID, "save-state").get_attribute("class") or "").split(),
                "#save-state did not show the failed save",
            )
            self.assertIn(str(pos), self._pending(attempt), "the unsaved answer is not kept in localStorage")
            d.execute_script("setTimeout(function () { location.reload(); }, 0)")
            try:  # the page asks before leaving with unsaved answers
                wait(d, 3).until(EC.alert_is_present()).accept()
            except Exception:  # noqa: BLE001 — Chromium may not ask without a user gesture
                pass
            wait(d).until(lambda x: x.execute_script("return document.readyState") == "complete"
                          and x.find_elements(By.CSS_SELECTOR, "fieldset.question[data-pos]"))
        finally:
            d.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
        self._wait_saved(attempt, pos, timeout=40, button=False)
        state = common.get_json(d, f"/api/attempts/{attempt}")
        self.assertIsNotNone(state["responses"][pos], "the answer given before the reload never reached the server")
        fieldset = present(d, f'fieldset.question[data-pos="{pos}"]')
        problems = []
        if not self._shown(fieldset, kind, given):
            problems.append(
                f"after the reload the page shows question {pos + 1} ({kind}) unanswered, although its answer was kept "
                "in localStorage and then saved (the pending answer is not put back in the form)")
        # Going on with the page's own form must not overwrite the saved answer with what the page shows.
        self._go_next(pos)
        state = common.get_json(d, f"/api/attempts/{attempt}")
        if state["responses"][pos] is None:
            problems.append(f"pressing #next then erased the saved answer of question {pos + 1} (responses[{pos}] is null)")
        if problems:
            self.fail("; ".join(problems))

    # ------------------------------------------------------------------ c. a scenario with one late reply

    @artifacts_on_failure
    def test_3_scenario_with_a_late_reply(self):
        d = self.driver
        common.sign_in(d, common.TRAINEE, lang="zh")
        rows = [r for r in css(d, "tr[data-scenario]")
                if re.fullmatch(r"express-late-parcel(\.(zh|en))?", r.get_attribute("data-scenario") or "")]
        self.assertTrue(rows, "no express-late-parcel row (tr[data-scenario]) on the home page")
        # The Chinese version for a Chinese page when the home lists both.
        rows.sort(key=lambda r: not (r.get_attribute("data-scenario") or "").endswith(".zh"))
        reference = rows[0].get_attribute("data-scenario")
        lang = "en" if reference.endswith(".en") else "zh"
        model = [json.loads(line)["text"] for line in
                 (common.ROOT / "Scenarios" / "express" / f"late-parcel.{lang}.model.jsonl").read_text("utf-8").splitlines()
                 if line.strip()]
        # The first step ("ring") must be answered within 15 s (Scenarios/express/late-parcel.*.yaml).
        limit = 15
        practice = rows[0].find_element(
            By.XPATH, f'.//form[@action="/scenarios/{reference}/start"][.//input[@name="mode" and @value="practice"]]//button'
        )
        click(d, practice)
        common.expect_page(d, r"/runs/\d+", "the scenario chat (/runs/{id})")
        started = time.monotonic()
        run_url = d.current_url.split("?")[0]
        common.STATE["run_url"] = run_url
        visible(d, ".bubble.customer")
        present(d, 'textarea[name="reply"]')
        reply_form = d.find_element(By.XPATH, '//textarea[@name="reply"]/ancestor::form')
        self.assertRegex(reply_form.get_attribute("action"), r"/runs/\d+/reply$")
        self.assertTrue(css(d, "#countdown, .countdown"), "the chat shows no countdown of the reply limit")
        common.shoot_both(self, d, "chat", reload_url=run_url, english=())

        # Reply 1 only after the step's limit: late.
        remaining = limit + 2 - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)  # waiting past the limit on purpose (not an assertion)
        finished = self._reply(model[0])
        self.assertFalse(finished, "the run ended after one reply")
        feedback = wait(d).until(
            lambda x: [e for e in css(x, ".reply-feedback, .feedback, [data-feedback], .verdict") if e.text.strip()],
            "practice mode showed no feedback after the reply",
        )
        late = css(d, ".late, [data-late='true'], .bubble.agent.late")
        text = " ".join(e.text for e in feedback) + " " + common.body_text(d)
        self.assertTrue(late or re.search(r"超时|超过|late|⏱", text, re.I),
                        f"the late reply (after {limit + 2} s, limit {limit} s) is not marked late")

        # The rest in time, with the model replies, until the transcript.
        for reply in model[1:]:
            if self._reply(reply):
                break
        else:
            wait(d, 20).until(lambda x: not css(x, 'textarea[name="reply"]'), "the run did not finish with the model replies")
        marks = wait(d).until(lambda x: css(x, "mark"), "the transcript highlights no evidence (<mark>)")
        self.assertTrue(any(m.text.strip() for m in marks))
        self.assertGreaterEqual(len(css(d, ".bubble.agent")), 2, "the transcript lacks the trainee's replies")
        self.assertTrue(re.search(r"✓|✗|通过|未通过|pass|fail", common.body_text(d), re.I), "the transcript shows no verdicts")
        common.STATE["transcript_url"] = d.current_url
        common.shoot_both(self, d, "transcript")

    def _reply(self, text: str) -> bool:
        """Sends one reply; True when the run is over (no reply box any more)."""
        d = self.driver
        before = len(css(d, ".bubble.agent"))
        box = d.find_element(By.CSS_SELECTOR, 'textarea[name="reply"]')
        d.execute_script("arguments[0].value = arguments[1]", box, text)
        box.send_keys(" ")
        submit = d.find_element(By.XPATH, '//textarea[@name="reply"]/ancestor::form//button[not(@type="button")]')
        click(d, submit)
        wait(d, 20).until(
            lambda x: len(css(x, ".bubble.agent")) > before or not css(x, 'textarea[name="reply"]'),
            "the reply did not appear in the chat",
        )
        return not css(d, 'textarea[name="reply"]')

    # --------------------------------------------------------------- c. download and verify a credential

    @artifacts_on_failure
    def test_4_credential_download_and_verify(self):
        d = self.driver
        common.sign_in(d, common.HOLDER, lang="zh")
        entries = css(d, "li[data-entry]")
        self.assertTrue(entries, f"{common.HOLDER} has no certification (li[data-entry]) on the home page")
        link = entries[0].find_element(By.CSS_SELECTOR, "a.credential-link")
        href = link.get_attribute("href")
        entry = entries[0].get_attribute("data-entry")
        self.assertEqual(href, f"{BASE}/certifications/{entry}/credential.jwt")
        download = common.fetch(d, f"/certifications/{entry}/credential.jwt")
        self.assertEqual(download["status"], 200, f"downloading the credential: HTTP {download['status']}")
        jwt = download["text"].strip()
        self.assertRegex(jwt, r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$", "the download is not a JWT")
        payload = json.loads(base64.urlsafe_b64decode(jwt.split(".")[1] + "=" * (-len(jwt.split(".")[1]) % 4)))
        self.assertIn(common.CERTIFICATION, json.dumps(payload, ensure_ascii=False), "the credential names no certification")
        # Verification is public: signed out.
        d.delete_all_cookies()
        parts = jwt.split(".")
        signature = parts[2]
        tampered = ".".join(parts[:2] + [("A" if signature[0] != "A" else "B") + signature[1:]])
        for lang in ("zh", "en"):
            common.set_language(d, lang)
            d.get(BASE + "/verify")
            area = visible(d, 'textarea[name="credential"]')
            if lang == "en":
                common.assert_english(self, d, EN["nav_verify"])
            common.screenshot(d, f"verify.{lang}")
            self._verify(area, jwt)
            text = common.body_text(d)
            self.assertIn(common.HOLDER, text, "the verification shows no holder")
            self.assertRegex(text, re.escape(common.CERTIFICATION) + r"|入职|[Oo]nboarding", "no certification shown")
            self.assertTrue(self._valid(), f"the genuine credential is not shown valid ({lang})")
            if lang == "en":
                common.assert_english(self, d)
            common.screenshot(d, f"verify-result.{lang}")
        d.get(BASE + "/verify")
        self._verify(visible(d, 'textarea[name="credential"]'), tampered)
        self.assertFalse(self._valid(), "a credential with a changed signature is shown valid")

    def _verify(self, area, credential: str) -> None:
        d = self.driver
        d.execute_script("arguments[0].value = arguments[1]", area, credential)
        form = area.find_element(By.XPATH, "./ancestor::form")
        click(d, form.find_element(By.CSS_SELECTOR, 'button[type="submit"], button:not([type]), input[type="submit"]'))
        wait(d).until(lambda x: self._verdict(x) is not None, "the verification shows neither valid nor invalid")

    @staticmethod
    def _verdict(d):
        """True (valid), False (invalid) or None (nothing shown yet)."""
        for element in css(d, "[data-valid]"):
            return element.get_attribute("data-valid") == "true"
        for element in css(d, ".valid, .invalid, #verdict"):
            classes = (element.get_attribute("class") or "").split()
            if "invalid" in classes or re.search(r"invalid|无效|不通过", element.text, re.I):
                return False
            if "valid" in classes or re.search(r"valid|有效", element.text, re.I):
                return True
        return None

    def _valid(self) -> bool:
        return bool(self._verdict(self.driver))

    # ------------------------------------------------------------------------------ d. the artifacts

    def test_9_screenshots_in_both_languages(self):
        pages = ["login", "home", "exam-question", "exam-result", "chat", "transcript", "verify"]
        missing = [f"{p}.{lang}.png" for p in pages for lang in ("zh", "en")
                   if not (common.ARTIFACTS / f"{p}.{lang}.png").is_file()
                   or (common.ARTIFACTS / f"{p}.{lang}.png").stat().st_size < 1000]
        self.assertEqual(missing, [], f"screenshots missing in {common.ARTIFACTS}")


if __name__ == "__main__":
    unittest.main()
