#!/usr/bin/env python3
"""Times the web app's pages per role (issue 16): signs in as each role, follows the links of the role's area two
levels deep (at most 14 pages a role), fetches each page REQUESTS times one after another, and prints p50, p95 and
max in milliseconds with the page size; then the exports (CSV, XLSX). Usage: web-pages-bench.py BASE_URL [REQUESTS]
"""
import http.cookiejar
import re
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE = sys.argv[1].rstrip("/")
REQUESTS = int(sys.argv[2]) if len(sys.argv) > 2 else 50
PASSWORD = "correct horse battery staple"
ROLES = [("trainee", "E001", "/"), ("mentor", "M001", "/mentor"), ("QA reviewer", "Q001", "/qa"),
         ("supervisor", "S001", "/team"), ("administrator", "Q002", "/people")]


def opener():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def get(client, path):
    started = time.perf_counter()
    with client.open(BASE + path) as response:
        body = response.read()
    return (time.perf_counter() - started) * 1000, body


def sign_in(client, person):
    _, page = get(client, "/login")
    token = re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()
    form = urllib.parse.urlencode({"_csrf": token, "person": person, "password": PASSWORD, "next": "/"}).encode()
    with client.open(BASE + "/login", data=form) as response:
        response.read()
        if urllib.parse.urlparse(response.geturl()).path != "/":
            raise SystemExit(f"{person} could not sign in")


def links(body, area):
    found = []
    for href in re.findall(rb'href="(/[^"#]*)"', body):
        path = href.decode().replace("&amp;", "&")
        if path.startswith(area) and "format=" not in path and path not in found:
            found.append(path)
    return found


def pages_of(client, area):
    seen, queue = [], [area]
    while queue and len(seen) < 14:
        path = queue.pop(0)
        if path in seen:
            continue
        try:
            _, body = get(client, path)
        except urllib.error.HTTPError:  # a link to a page this role may not open (403) is not timed
            continue
        seen.append(path)
        if path.count("/") <= 3:
            queue += [p for p in links(body, area if area != "/" else "/qa/mine") if p not in seen]
    return seen


def main():
    print(f"{'role':<14} {'page':<58} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'KiB':>6}")
    everything = []
    for role, person, area in ROLES:
        client = opener()
        sign_in(client, person)
        pages = pages_of(client, area)
        for path in pages:
            times = []
            for _ in range(REQUESTS):
                elapsed, body = get(client, path)
                times.append(elapsed)
            times.sort()
            everything += times
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            print(f"{role:<14} {path[:58]:<58} {statistics.median(times):7.1f} {p95:7.1f} {times[-1]:7.1f}"
                  f" {len(body) / 1024:6.1f}")
    client = opener()
    sign_in(client, "S001")
    for path in ["/team?format=csv", "/team?format=xlsx", "/audit?format=csv", "/audit?format=xlsx"]:
        times = sorted(get(client, path)[0] for _ in range(max(5, REQUESTS // 5)))
        print(f"{'export':<14} {path:<58} {statistics.median(times):7.1f} {times[int(len(times) * 0.95) - 1]:7.1f}"
              f" {times[-1]:7.1f}")
    everything.sort()
    print(f"all pages: {len(everything)} requests, p50 {statistics.median(everything):.1f} ms,"
          f" p95 {everything[int(len(everything) * 0.95)]:.1f} ms, max {everything[-1]:.1f} ms")


main()
