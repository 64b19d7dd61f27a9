"""Browser tests of the team area (/team, /people, /audit) in headless Chromium. Run through scripts/browser-test.sh.

A supervisor runs a review cycle, checks a team lead's promotion (every rule explained) and applies it through the
confirmation step; every page of the area is shot in zh and en. The seed (scripts/browser-test.sh, "team area") gives
the team lead every other rule of the step.
"""

import os
import re
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import common
from common import BASE, css, present, visible, wait
from test_web import artifacts_on_failure, click

SUPERVISOR = os.environ.get("KEFU_TEST_SUPERVISOR", "S001")
ADMIN = os.environ.get("KEFU_TEST_ADMIN", "Q002")
PROMOTE = os.environ.get("KEFU_TEST_PROMOTE", "L001")
PROMOTE_TO = os.environ.get("KEFU_TEST_PROMOTE_TO", "supervisor")
CYCLE = os.environ.get("KEFU_TEST_CYCLE", "2026-11")


def strings(lang: str) -> dict:
    """The team area's strings (Web/locales/{lang}.team.yaml: flat `key: "text"`)."""
    table = {}
    path = common.ROOT / "Web" / "locales" / f"{lang}.team.yaml"
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r'^([a-z0-9_]+):\s*"(.*)"$', line)
        if match:
            table[match.group(1)] = match.group(2)
    return table


EN = strings("en")
ZH = strings("zh")


class TeamTests(unittest.TestCase):
    def setUp(self):
        self.driver = common.make_driver()

    def tearDown(self):
        self.driver.quit()

    def open(self, path: str, ready: str) -> None:
        self.driver.get(BASE + path)
        common.expect_page(self.driver, re.escape(path.split("?")[0]), path)
        present(self.driver, ready)

    def shoot(self, name: str, path: str, ready: str, *english: str) -> None:
        self.open(path, ready)
        common.shoot_both(self, self.driver, f"team-{name}", reload_url=BASE + path, english=english)

    @artifacts_on_failure
    def test_1_supervisor_runs_a_cycle_and_applies_a_promotion(self):
        d = self.driver
        common.sign_in(d, SUPERVISOR, lang="zh")
        self.assertTrue(css(d, 'header nav a[href="/team"]'), "the supervisor's navigation has the team link")

        # Before the cycle: the ratings rule is unmet (three rated cycles of four), so nothing can be applied.
        self.open(f"/team/promotion/{PROMOTE}", "section.step")
        step = present(d, f'section.step[data-to="{PROMOTE_TO}"]')
        self.assertTrue(step.find_elements(By.CSS_SELECTOR, "tr.rule.unmet"), "a rule is unmet before the cycle")
        self.assertFalse(step.find_elements(By.CSS_SELECTOR, "a.apply-link"), "no apply link for an unready step")

        # The review cycle, run from the form.
        self.open("/team/cycles", "#run-cycle")
        common.shoot_both(self, d, "team-cycles", english=(EN["team_run_cycle"], EN["team_stored_cycles"]))
        field = visible(d, "#period")
        field.clear()
        field.send_keys(CYCLE)
        click(d, d.find_element(By.ID, "run-cycle-button"))
        common.expect_page(d, re.escape(f"/team/cycles/{CYCLE}"), "the cycle's scorecards")
        visible(d, "#cycle-stored")
        rows = css(d, "#cycle-scorecards tr[data-person]")
        self.assertIn(PROMOTE, [r.get_attribute("data-person") for r in rows], "the lead has a scorecard")
        self.assertTrue(css(d, "svg"), "the cycle's chart")

        # The promotion check: pick the person, every rule met, then the confirmation step.
        self.open("/team/promotion", "#promotion-pick")
        Select(d.find_element(By.ID, "person")).select_by_value(PROMOTE)
        click(d, d.find_element(By.ID, "check-promotion"))
        common.expect_page(d, re.escape(f"/team/promotion/{PROMOTE}"), "the promotion check")
        step = present(d, f'section.step[data-to="{PROMOTE_TO}"]')
        rules = step.find_elements(By.CSS_SELECTOR, "tr.rule")
        self.assertGreaterEqual(len(rules), 4, "every rule of the step is listed")
        self.assertEqual(step.find_elements(By.CSS_SELECTOR, "tr.rule.unmet"), [], "every rule is met after the cycle")
        for rule in rules:
            self.assertTrue(rule.find_element(By.CSS_SELECTOR, "td:last-child").text.strip(), "each rule explained")
        common.shoot_both(self, d, "team-promotion-check", english=(EN["team_met"],))
        click(d, present(d, f'section.step[data-to="{PROMOTE_TO}"] a.apply-link'))
        common.expect_page(d, re.escape(f"/team/promotion/{PROMOTE}/apply"), "the confirmation step")
        visible(d, "#confirm-form")
        common.shoot_both(self, d, "team-promotion-confirm", english=(EN["team_confirm_title"],))

        # Submitting without the box ticked is refused by the browser (required) and by the server.
        d.execute_script("document.getElementById('confirm').removeAttribute('required')")
        click(d, d.find_element(By.ID, "confirm-apply"))
        visible(d, "#confirm-error")
        click(d, d.find_element(By.ID, "confirm"))
        click(d, d.find_element(By.ID, "confirm-apply"))
        done = visible(d, "#new-level")
        self.assertEqual(done.text.strip(), PROMOTE_TO)
        self.assertIn(ZH["team_promoted_title"], d.find_element(By.TAG_NAME, "h1").text)

        # The promotion is in the audit log, filtered by action.
        self.open("/audit?action=promotion.", "#audit-filters")
        self.assertTrue(css(d, 'tr[data-action="promotion.apply"]'), "the promotion is audited")

    @artifacts_on_failure
    def test_2_screenshots_of_every_page(self):
        d = self.driver
        common.sign_in(d, SUPERVISOR, lang="zh")
        self.shoot("dashboard", "/team", "#scorecards", EN["team_dashboard_title"])
        first = present(d, "#scorecards td a[href^='/team/scorecards/']").get_attribute("href")
        self.shoot("scorecard", first[len(BASE):], "#scorecard", EN["team_scorecard_title"])
        self.shoot("cycle", f"/team/cycles/{CYCLE}", "#cycle-scorecards")
        self.shoot("compare", f"/team/cycles/compare?a=2026-10&b={CYCLE}", "#comparison", EN["team_compare_title"])
        self.shoot("promotion", "/team/promotion", "#promotion-pick", EN["team_promotion_title"])
        self.shoot("retraining", "/team/retraining", "main", EN["team_retraining_title"])
        self.shoot("certifications", "/team/certifications", "#certifications", EN["team_issued"])
        entry = present(d, "#certifications tr[data-entry]").get_attribute("data-entry")
        self.shoot("certificate", f"/team/certifications/{entry}", "#certificate", EN["team_certificate_lead"])
        self.shoot("mentors", "/team/mentors", "#active-pairs", EN["team_active_pairs"])
        self.shoot("mentor-proposal", "/team/mentors/proposal", "main", EN["team_proposal_title"])
        self.shoot("audit", "/audit", "#events", EN["audit_title"])
        # The people pages are the administrator's.
        common.sign_in(d, ADMIN, lang="zh")
        self.shoot("people", "/people", "#people", EN["people_title"])
        self.shoot("person", "/people/E003", "#grant-form", EN["people_grants"])

    def test_9_screenshots_exist(self):
        names = ["cycles", "promotion-check", "promotion-confirm", "dashboard", "scorecard", "cycle", "compare",
                 "promotion", "retraining", "certifications", "certificate", "mentors", "mentor-proposal", "audit",
                 "people", "person"]
        missing = [f"team-{n}.{lang}.png" for n in names for lang in ("zh", "en")
                   if not (common.ARTIFACTS / f"team-{n}.{lang}.png").is_file()]
        self.assertEqual(missing, [], f"screenshots missing in {common.ARTIFACTS}")


if __name__ == "__main__":
    unittest.main()
