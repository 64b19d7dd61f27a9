"""The mentor's flow in headless Chromium (issue 16): a mentor marks an apprentice's essay, reviews a transcript,
overrides a verdict with a reason and signs off; a supervisor then issues the apprentice's certification.

Seeded by scripts/browser-test.sh (KEFU_TEST_MENTOR, KEFU_TEST_APPRENTICE, KEFU_TEST_SUPERVISOR).
"""

import os
import re
import unittest

from selenium.webdriver.common.by import By

import common
from common import BASE, EN, ZH, css, present, visible, wait
from test_web import artifacts_on_failure, click

MENTOR = os.environ.get("KEFU_TEST_MENTOR", "M001")
APPRENTICE = os.environ.get("KEFU_TEST_APPRENTICE", "E003")
SUPERVISOR = os.environ.get("KEFU_TEST_SUPERVISOR", "S001")


class MentorTests(unittest.TestCase):
    def setUp(self):
        self.driver = common.make_driver()

    def tearDown(self):
        self.driver.quit()

    @artifacts_on_failure
    def test_mentor_reviews_signs_off_and_the_certification_is_issued(self):
        d = self.driver
        common.sign_in(d, MENTOR, lang="zh")
        work = visible(d, "#mentor-work")
        self.assertRegex(work.text, r"对话记录 [1-9]\d* 份", "the home page does not count the waiting transcripts")
        click(d, work.find_element(By.CSS_SELECTOR, "a[href='/mentor']"))
        common.expect_page(d, r"/mentor", "the mentor's page")
        row = present(d, f"tr[data-person='{APPRENTICE}']")
        self.assertIn(ZH["mentor_state_none"], row.text)
        common.shoot_both(self, d, "mentor-home", english=(EN["mentor_title"],))

        # The essay first: its mark completes the apprentice's theory exam.
        essay = [a for a in css(d, "#essay-queue a") if APPRENTICE in a.find_element(By.XPATH, "./ancestor::tr").text]
        self.assertTrue(essay, f"no essay of {APPRENTICE} waits for {MENTOR}")
        click(d, essay[0])
        common.expect_page(d, r"/mentor/essays/\d+/\d+", "the essay page")
        self.assertTrue(visible(d, "#essay-answer").text.strip(), "the essay page shows no answer")
        common.shoot_both(self, d, "mentor-essay", english=(EN["mentor_essay_title"],))
        marks = visible(d, "#marks")
        marks.send_keys(marks.get_attribute("max"))
        d.find_element(By.ID, "comment").send_keys("条理清楚，覆盖了政策要点")
        click(d, d.find_element(By.ID, "grade"))
        common.expect_page(d, r"/mentor", "back on the mentor's page")
        self.assertIn(ZH["mentor_done_graded"], visible(d, "#notice").text)

        # The transcript of the P2P scenario: evidence marked, override one verdict with a reason, sign off.
        link = [a for a in css(d, "#run-queue a") if "p2p-withdrawal-delay" in a.text
                and APPRENTICE in a.find_element(By.XPATH, "./ancestor::tr").text]
        self.assertTrue(link, f"no p2p transcript of {APPRENTICE} in the review queue")
        click(d, link[0])
        common.expect_page(d, r"/mentor/runs/\d+", "the transcript review page")
        run_path = common.path_of(d)
        self.assertTrue(css(d, ".bubble mark"), "no evidence is marked in the transcript's text")
        check = present(d, "li.check.pass[data-check] details.override-form")
        check_id = check.find_element(By.XPATH, "./ancestor::li[1]").get_attribute("data-check")
        click(d, check.find_element(By.TAG_NAME, "summary"))
        form = check.find_element(By.TAG_NAME, "form")
        click(d, form.find_element(By.CSS_SELECTOR, "input[value='fail']"))
        form.find_element(By.CSS_SELECTOR, "input[name='reason']").send_keys("本组话术要求报工号，只报姓名不够")
        click(d, form.find_element(By.CSS_SELECTOR, "button[type='submit']"))
        common.expect_page(d, r"/mentor/runs/\d+", "the transcript after the override")
        self.assertEqual(visible(d, "#override-count").text, "1")
        item = present(d, f"li.check[data-check='{check_id}'] .override")
        self.assertIn("本组话术要求报工号", item.text)
        automatic = item.find_element(By.XPATH, "./ancestor::li[1]").find_element(By.CSS_SELECTOR, ".automatic")
        self.assertIn(ZH["check_passed"], automatic.text, "the automatic verdict is no longer shown")
        common.shoot_both(self, d, "mentor-transcript", reload_url=BASE + run_path, english=(EN["mentor_review_title"],))
        select = visible(d, "#sign-off-certification")
        self.assertIn("onboarding", [o.get_attribute("value") for o in select.find_elements(By.TAG_NAME, "option")])
        d.find_element(By.ID, "sign-off-note").send_keys("可独立处理提现咨询")
        click(d, d.find_element(By.ID, "sign-off"))
        common.expect_page(d, r"/mentor", "the mentor's page after the sign-off")
        self.assertIn(ZH["mentor_done_signed_off"], visible(d, "#notice").text)
        self.assertFalse([a for a in css(d, "#run-queue a") if run_path in (a.get_attribute("href") or "")],
                         "the signed-off transcript is still in the queue")
        d.get(BASE + f"/mentor/apprentices/{APPRENTICE}")
        section = present(d, "section.certification[data-certification='onboarding']")
        self.assertIn(ZH["mentor_ready"], section.text)
        self.assertFalse(css(d, "#issue-onboarding"), "a mentor is offered the button that issues a certification")
        common.shoot_both(self, d, "mentor-apprentice", english=(EN["mentor_requirement"],))

        # The supervisor issues it; the apprentice's page then shows it valid with its ledger entry.
        common.sign_in(d, SUPERVISOR, lang="zh")
        d.get(BASE + f"/mentor/apprentices/{APPRENTICE}")
        click(d, visible(d, "#issue-onboarding"))
        common.expect_page(d, rf"/mentor/apprentices/{APPRENTICE}", "the apprentice's page after issuing")
        notice = visible(d, "#notice").text
        self.assertRegex(notice, r"台账第 \d+ 条", "no ledger entry in the confirmation")
        section = present(d, "section.certification[data-certification='onboarding']")
        self.assertIn(ZH["mentor_state_valid"], section.text)
        # The apprentice sees it on their own home page.
        common.sign_in(d, APPRENTICE, lang="zh")
        self.assertTrue(css(d, "li[data-entry]"), f"{APPRENTICE}'s home page shows no certification")

    @artifacts_on_failure
    def test_mentor_pages_are_not_for_trainees(self):
        d = self.driver
        common.sign_in(d, APPRENTICE, lang="en")
        self.assertFalse(css(d, "nav a[href='/mentor']"), "a trainee is shown the mentor's area")
        result = common.fetch(d, "/mentor")
        self.assertEqual(result["status"], 403)
        result = common.fetch(d, "/mentor/apprentices/E001")
        self.assertEqual(result["status"], 404, "a trainee opens another person's progress")


if __name__ == "__main__":
    unittest.main()
