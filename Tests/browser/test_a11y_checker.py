"""The accessibility checker itself (a11y.py) finds what it looks for, so a clean page means something."""

import unittest
import urllib.parse

import a11y
import common


class CheckerTests(unittest.TestCase):
    def setUp(self):
        self.driver = common.make_driver()

    def tearDown(self):
        self.driver.quit()

    def test_checker_reports_each_kind_of_problem(self):
        page = """<!doctype html><html><head><title></title></head><body>
            <p style="color:#999;background:#fff">grey on white</p>
            <p style="color:#595959;background:#fff">dark enough</p>
            <input type="text" name="unlabelled"><label for="ok">OK</label><input id="ok">
            <button></button><a href="/x" tabindex="3">x</a><img src="x.png">
            <details><summary>s</summary><button></button></details></body></html>"""
        self.driver.get("data:text/html;charset=utf-8," + urllib.parse.quote(page))
        found = a11y.problems(self.driver)
        text = "\n".join(found)
        self.assertIn("<html> has no lang", text)
        self.assertIn("the page has no <title>", text)
        self.assertIn("no <main> landmark", text)
        self.assertIn("form field without a label: input[name=unlabelled]", text)
        self.assertNotIn("input#ok", text)
        self.assertIn("contrast 2.85:1", text)
        self.assertNotIn("dark enough", text)
        self.assertIn("positive tabindex", text)
        self.assertIn("image without alt", text)
        # One empty button is visible; the one in the closed <details> is not checked.
        self.assertEqual(sum("without a name: button" in p for p in found), 1)


if __name__ == "__main__":
    unittest.main()
