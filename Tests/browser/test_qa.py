"""QA pages in headless Chromium: import with progress and masking summary, a reviewer reviews a sample on the
scorecard (keyboard shortcuts), the agent disputes an item, the team lead decides; three reviewers calibrate blind;
the report with charts and its CSV. Screenshots of every QA page in zh and en. Seeded by scripts/browser-test.sh."""

import os
import pathlib
import tempfile
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

import common
import test_web
from common import BASE, css, present, visible, wait

# Imported by module (not `from test_web import …`), so unittest does not find and run test_web's class twice.
artifacts_on_failure = test_web.artifacts_on_failure
click = test_web.click

SAMPLE = os.environ.get("KEFU_TEST_QA_SAMPLE", "web-audit")
CAL_SAMPLE = os.environ.get("KEFU_TEST_QA_CAL_SAMPLE", "web-cal")
RUBRIC = os.environ.get("KEFU_TEST_QA_RUBRIC", "conduct.zh")


QA_EN = common.EN  # en.yaml with every area file, en.qa.yaml among them


def sign_in(driver, person: str) -> None:
    """Signs in through the login form (QA staff need not have exams on their home page)."""
    driver.delete_all_cookies()
    common.set_language(driver, "zh")
    driver.get(BASE + "/login")
    visible(driver, "#login-form")
    driver.find_element(By.ID, "person").send_keys(person)
    driver.find_element(By.ID, "password").send_keys(common.PASSWORD)
    form = driver.find_element(By.ID, "login-form")
    driver.find_element(By.ID, "sign-in").click()
    wait(driver).until(EC.staleness_of(form), f"{person}: the sign-in form was not answered")
    present(driver, "main")
    if common.path_of(driver) != "/":
        raise AssertionError(f"{person} could not sign in: {common.body_text(driver)[:200]}")
    common.set_language(driver, "zh")


def go(driver, path: str, selector: str = "main") -> None:
    driver.get(BASE + path)
    present(driver, selector)
    error = common.error_page(driver)
    if error:
        raise AssertionError(f"{path}: {error}")


class QATests(unittest.TestCase):
    def setUp(self):
        self.driver = common.make_driver()

    def tearDown(self):
        self.driver.quit()

    def shoot(self, name: str, *english: str) -> None:
        common.shoot_both(self, self.driver, name, english=english)

    # ---------------------------------------------------------------------------------------------- import
    @artifacts_on_failure
    def test_qa_1_import_with_progress_and_masking_summary(self):
        d = self.driver
        sign_in(d, "Q001")
        go(d, "/qa", "#count-interactions")
        self.assertEqual(d.find_element(By.ID, "count-interactions").text, "28")
        self.shoot("qa-home", QA_EN["qa_overview"])
        go(d, "/qa/import", "#qa-import-form")
        self.shoot("qa-import", QA_EN["qa_upload"])
        folder = pathlib.Path(tempfile.mkdtemp())
        good = folder / "web-upload.jsonl"
        good.write_text(
            '{"id": "web-1", "channel": "chat", "agent": "E003", "started_at": "2026-12-01T10:00:00+08:00", '
            '"turns": [{"speaker": "agent", "text": "您好"}, {"speaker": "customer", "text": "我的手机 13812345678，'
            '身份证 11010519491231002X"}]}\n',
            encoding="utf-8",
        )
        d.find_element(By.ID, "qa-file").send_keys(str(good))
        click(d, d.find_element(By.ID, "qa-upload"))
        visible(d, "#qa-import-ok")
        self.assertEqual(d.find_element(By.ID, "qa-r-imported").text, "1")
        kinds = {td.get_attribute("data-kind"): int(td.text) for td in css(d, "#qa-r-kinds td")}
        self.assertEqual(kinds.get("mobile"), 1, kinds)
        self.assertEqual(sum(kinds.values()), int(d.find_element(By.ID, "qa-r-masked").text))
        self.assertEqual(d.find_element(By.ID, "qa-progress").get_attribute("value"), "100")
        common.screenshot(d, "qa-import-result.zh")
        bad = folder / "bad.csv"
        bad.write_text(
            "interaction_id,channel,agent,started_at,speaker,text,at\n"
            "c-1,chat,E001,2026-11-02T10:00:00+08:00,agent,您好,0\n"
            "c-1,fax,E001,2026-11-02T10:00:00+08:00,customer,hi,1\n",
            encoding="utf-8",
        )
        d.find_element(By.ID, "qa-file").send_keys(str(bad))
        click(d, d.find_element(By.ID, "qa-upload"))
        visible(d, "#qa-import-failed")
        errors = [li.text for li in css(d, "#qa-r-errors li")]
        self.assertTrue(any("bad.csv:3:5:" in e for e in errors), errors)
        self.assertTrue(any("nothing was imported" in e for e in errors), errors)
        common.screenshot(d, "qa-import-errors.zh")
        go(d, "/qa", "#count-interactions")
        self.assertEqual(d.find_element(By.ID, "count-interactions").text, "29", "the bad file stored nothing")

    # ------------------------------------------------------------------------- review, dispute, decision
    @artifacts_on_failure
    def test_qa_2_review_dispute_decide(self):
        d = self.driver
        sign_in(d, "Q001")
        go(d, "/qa/samples", "#qa-draw-form")
        self.shoot("qa-samples", QA_EN["qa_draw"])
        go(d, f"/qa/samples/{SAMPLE}?rubric={RUBRIC}", "#qa-members")
        click(d, d.find_element(By.ID, "qa-verify"))
        visible(d, "#qa-verification.valid")
        self.shoot("qa-sample", QA_EN["qa_verify"])
        row = next(r for r in css(d, "#qa-members tbody tr") if r.find_elements(By.XPATH, "./td[1][text()='E001']"))
        interaction = row.get_attribute("data-interaction")
        click(d, row.find_element(By.CSS_SELECTOR, "a.review-link"))
        present(d, "#qa-review-form")
        self.shoot("qa-review", QA_EN["qa_keys"])
        # The keyboard: the first item is current; `f` fails it (an override if it passed automatically, which
        # focuses its reason), `p` passes it otherwise; the evidence of the current item is highlighted.
        first = css(d, "fieldset.qa-item")[0]
        auto = first.get_attribute("data-auto")
        item_id = first.get_attribute("data-item")
        d.find_element(By.TAG_NAME, "body").send_keys("f" if auto != "fail" else "p")
        reason = first.find_element(By.CSS_SELECTOR, "textarea.qa-reason")
        wait(d).until(lambda _: d.switch_to.active_element == reason, "the override did not focus its reason")
        self.assertEqual(reason.get_attribute("required"), "true")
        reason.send_keys("录音中已复述客户诉求")
        reason.send_keys(Keys.CONTROL, Keys.ENTER)
        common.expect_page(d, r"/qa/results/\d+", "the review result")
        result_path = common.path_of(d).split("?")[0]
        self.assertIn("录音中已复述客户诉求", common.body_text(d))
        self.shoot("qa-result", QA_EN["qa_scorecard"])
        # The agent disputes the overridden item from their own result page.
        sign_in(d, common.TRAINEE)
        go(d, "/qa/mine", "#qa-mine")
        self.shoot("qa-mine", QA_EN["qa_mine_title"])
        click(d, d.find_element(By.CSS_SELECTOR, f'#qa-mine a[href="{result_path}"]'))
        present(d, "#qa-result")
        row = d.find_element(By.CSS_SELECTOR, f'tr[data-item="{item_id}"]')
        click(d, row.find_element(By.TAG_NAME, "summary"))
        row.find_element(By.TAG_NAME, "textarea").send_keys("我在第一轮已经做到")
        click(d, row.find_element(By.CSS_SELECTOR, "button.dispute-submit"))
        wait(d).until(lambda _: "我在第一轮已经做到" in common.body_text(d), "the dispute is not shown")
        # The team lead accepts it.
        sign_in(d, "L001")
        go(d, "/qa/disputes", ".qa-dispute-card")
        self.shoot("qa-disputes", QA_EN["qa_disputes_open"])
        card = next(c for c in css(d, ".qa-dispute-card") if interaction in c.text)
        click(d, card.find_element(By.CSS_SELECTOR, 'input[value="accept"]'))
        card.find_element(By.TAG_NAME, "textarea").send_keys("复核录音后采纳")
        click(d, card.find_element(By.CSS_SELECTOR, "button.decide-submit"))
        present(d, "#qa-decided")
        self.assertIn("复核录音后采纳", d.find_element(By.ID, "qa-decided").text)
        sign_in(d, common.TRAINEE)
        go(d, result_path, "#qa-result")
        self.assertIn("复核录音后采纳", common.body_text(d))

    # ---------------------------------------------------------------------------------- blind calibration
    @artifacts_on_failure
    def test_qa_3_three_reviewers_calibrate_blind(self):
        d = self.driver
        sign_in(d, "L001")
        go(d, "/qa/calibrations", "#qa-calibration-form")
        d.find_element(By.ID, "c-name").send_keys("web-c1")
        Select(d.find_element(By.ID, "c-sample")).select_by_value(CAL_SAMPLE)
        Select(d.find_element(By.ID, "c-rubric")).select_by_value(RUBRIC)
        d.find_element(By.ID, "c-reviewers").send_keys("Q001, Q002, Q003")
        click(d, d.find_element(By.ID, "qa-create-calibration"))
        common.expect_page(d, "/qa/calibrations/web-c1", "the calibration session")
        self.shoot("qa-calibrations-session-open", QA_EN["qa_progress"])
        go(d, "/qa/calibrations", "#qa-sessions")
        self.shoot("qa-calibrations", QA_EN["qa_calibrations_title"])
        for reviewer, key in (("Q001", "p"), ("Q002", "f"), ("Q003", "p")):
            sign_in(d, reviewer)
            go(d, "/qa/calibrations/web-c1", "#qa-queue")
            self.assertFalse(css(d, "#qa-agreement"), "nobody sees verdicts before the session closes")
            click(d, d.find_element(By.CSS_SELECTOR, "a.calibration-review"))
            present(d, "#qa-review-form")
            self.assertFalse(css(d, ".qa-auto"), "a blind review shows no automatic verdict")
            self.assertFalse(css(d, "#transcript mark"), "a blind review marks no evidence")
            if reviewer == "Q001":
                self.shoot("qa-review-blind", QA_EN["qa_blind"])
            items = css(d, "fieldset.qa-item")
            body = d.find_element(By.TAG_NAME, "body")
            for index in range(len(items)):
                body.send_keys(key if index == 0 else "p")
            self.assertTrue(all(i.find_elements(By.CSS_SELECTOR, "input:checked") for i in items))
            click(d, d.find_element(By.ID, "qa-submit"))
            common.expect_page(d, "/qa/calibrations/web-c1", "the session after a blind review")
            present(d, "#qa-queue-done")
            self.assertFalse(css(d, "#qa-agreement"))
        sign_in(d, "L001")
        go(d, "/qa/calibrations/web-c1", "#qa-close")
        click(d, d.find_element(By.ID, "qa-close"))
        visible(d, "#qa-agreement")
        self.assertTrue(css(d, "#qa-agreement svg"))
        self.assertIn("Fleiss κ", d.find_element(By.ID, "qa-agreement").text)
        self.shoot("qa-calibration-report", QA_EN["qa_agreement_report"])

    # ----------------------------------------------------------------------------------------- the report
    @artifacts_on_failure
    def test_qa_4_report_with_charts_and_csv(self):
        d = self.driver
        sign_in(d, "Q001")
        go(d, f"/qa/report?period=2026-11&rubric={RUBRIC}&by=agent&trend=1", "#qa-lines")
        self.assertEqual(len(css(d, "figure.chart svg")), 2)
        self.shoot("qa-report", QA_EN["qa_report_lines"])
        csv = common.fetch(d, f"/qa/report?period=2026-11&rubric={RUBRIC}&by=agent&format=csv")
        self.assertEqual(csv["status"], 200)
        self.assertTrue(csv["text"].lstrip("\ufeff").startswith("agent,count,score"), csv["text"][:80])


if __name__ == "__main__":
    unittest.main()
