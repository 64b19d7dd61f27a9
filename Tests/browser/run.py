"""Runs the browser tests (unittest, name order) and prints a summary with timings; exit status 1 on any failure.

Usage: python3 Tests/browser/run.py [BASE_URL] [-k PATTERN …]   (scripts/browser-test.sh passes the base URL by
environment: KEFU_BASE_URL; artifacts go to KEFU_ARTIFACTS, default .build/browser-artifacts)
"""

import os
import pathlib
import sys
import time
import unittest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


class TimedResult(unittest.TextTestResult):
    def startTest(self, test):
        self._started = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        self.timings = getattr(self, "timings", {})
        self.timings[test.id()] = time.monotonic() - self._started
        super().stopTest(test)


def main() -> int:
    args = sys.argv[1:]
    patterns = []
    while args:
        arg = args.pop(0)
        if arg == "-k" and args:
            patterns.append(args.pop(0))
        elif arg.startswith("http"):
            os.environ["KEFU_BASE_URL"] = arg
        else:
            patterns.append(arg)
    import common  # after KEFU_BASE_URL is settled

    common.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    loader = unittest.TestLoader()
    if patterns:
        loader.testNamePatterns = [p if "*" in p else f"*{p}*" for p in patterns]
    suite = loader.discover(str(HERE), pattern="test_*.py", top_level_dir=str(HERE))
    runner = unittest.TextTestRunner(verbosity=2, resultclass=TimedResult, stream=sys.stdout)
    started = time.monotonic()
    result = runner.run(suite)
    failed = {t.id() for t, _ in result.failures + result.errors}
    print("\n== browser test summary")
    for test_id, seconds in getattr(result, "timings", {}).items():
        print(f"  {'FAIL' if test_id in failed else 'ok  '}  {test_id.split('.')[-1]:<45} {seconds:6.1f} s")
    print(f"  {result.testsRun - len(failed)} passed, {len(failed)} failed, in {time.monotonic() - started:.1f} s;"
          f" artifacts in {common.ARTIFACTS}")
    return 0 if result.wasSuccessful() and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
