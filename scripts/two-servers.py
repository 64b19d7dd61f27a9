#!/usr/bin/env python3
"""Two `kefu serve` processes on one PostgreSQL database (issue 17), under load, one of them killed mid-write.

  python3 scripts/two-servers.py --kefu .build/release/kefu --db postgres://… [--candidates 500] [--seconds 20]

1. `kefu bench web --prepare-only` adds the candidates (people, API tokens, an exam attempt each) to --db (empty).
2. Two `kefu serve --db …` processes start on loopback ports; half the candidates answer through each, paced (one
   answer a second each, scripts/web-load.py), every save recorded: acknowledged (200) or in flight.
3. Part-way through, the second server is killed with SIGKILL while its candidates are saving.
4. Every candidate's attempt is read back through the surviving server: each position holds the last acknowledged
   answer, or one sent after it that was in flight when the server died — never an older one (0 answers lost).
5. The second server is started again on the same database and the candidates of both halves answer for a few
   more seconds (a restarted process carries on), then the check of step 4 runs again.
6. `kefu ledger verify` and `kefu audit verify` on the database.
Prints the figures as JSON lines; exit 1 on any lost answer or failed verification.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def start_server(kefu, db, env, log):
    """Starts `kefu serve` on a free loopback port; returns the process and its base URL."""
    out = open(log, "w")
    process = subprocess.Popen([kefu, "serve", "--db", db, "--port", "0"], stdout=out, stderr=subprocess.STDOUT, env=env)
    for _ in range(300):
        time.sleep(0.1)
        text = open(log).read()
        if "kefu serve: listening on" in text:
            base = text.split("kefu serve: listening on", 1)[1].split()[0]
            return process, base
        if process.poll() is not None:
            break
    sys.exit(f"kefu serve did not start:\n{open(log).read()}")


def load(base, candidates, seconds, record, work, name):
    """Starts scripts/web-load.py (paced) against `base`."""
    path = os.path.join(work, f"{name}.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(candidates, f)
    return subprocess.Popen(
        [sys.executable, os.path.join(HERE, "web-load.py"), "--base", base, "--candidates", path, "--mode", "paced",
         "--seconds", str(seconds), "--record", record], stdout=subprocess.PIPE, text=True)


def stored_answers(base, candidate):
    """The attempt's saved answers by position, read through `base`."""
    request = urllib.request.Request(f"{base}/api/attempts/{candidate['attempt']}",
                                     headers={"Authorization": "Bearer " + candidate["token"]})
    state = json.load(urllib.request.urlopen(request, timeout=30))
    positions = [q["position"] for q in state["questions"]]
    return {position: answer for position, answer in zip(positions, state["responses"])}


def canonical(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def check(base, candidates, records):
    """Compares what the database holds with what was acknowledged; returns (checked, lost, examples)."""
    by_attempt = {str(c["attempt"]): c for c in candidates}
    merged = {}
    for record in records:
        for key, entry in record.items():
            merged.setdefault(key, []).append(entry)
    checked, lost, examples = 0, 0, []
    answers = {}
    for key, entries in merged.items():
        attempt, position = key.split("/")
        if attempt not in answers:
            answers[attempt] = stored_answers(base, by_attempt[attempt])
        stored = answers[attempt].get(int(position))
        # The last run's entry decides (records are per run, in order).
        last = entries[-1]
        allowed = {canonical(json.loads(b)["answer"]) for b in last["pending"]}
        if last["acked"] is not None:
            allowed.add(canonical(json.loads(last["acked"])["answer"]))
        elif not last["pending"]:
            continue
        checked += 1
        if canonical(stored) not in allowed and not (last["acked"] is None and stored is None):
            lost += 1
            if len(examples) < 3:
                examples.append({"attempt": attempt, "position": position, "stored": stored, "allowed": sorted(allowed)})
    return checked, lost, examples


def run_kefu(kefu, args, env):
    result = subprocess.run([kefu] + args, capture_output=True, text=True, env=env)
    return result.returncode, (result.stdout + result.stderr).strip().splitlines()[-1:] or [""]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kefu", default=".build/debug/kefu")
    parser.add_argument("--db", required=True)
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--again", type=float, default=6, help="seconds of load after the restart")
    parser.add_argument("--appender", help="a debug build of kefu: two processes append ledger entries meanwhile "
                        "(`ledger stress-append`, 200 entries each, one transaction each batch of 1)")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="kefu-two-servers-")
    env = dict(os.environ, KEFU_KEY_DIR=os.path.join(work, "keys"))
    env.pop("KEFU_KEY", None)
    file = os.path.join(work, "candidates.json")
    subprocess.run([args.kefu, "bench", "web", "--db", args.db, "--candidates", str(args.candidates),
                    "--prepare-only", file], check=True, env=env, stdout=subprocess.DEVNULL)
    candidates = json.load(open(file, encoding="utf-8"))
    half = len(candidates) // 2
    a, b = candidates[:half], candidates[half:]
    server_a, base_a = start_server(args.kefu, args.db, env, os.path.join(work, "a.log"))
    server_b, base_b = start_server(args.kefu, args.db, env, os.path.join(work, "b.log"))
    records = [os.path.join(work, n) for n in ("ra.json", "rb.json", "ra2.json", "rb2.json")]
    failures = 0
    try:
        load_a = load(base_a, a, args.seconds, records[0], work, "a")
        load_b = load(base_b, b, args.seconds, records[1], work, "b")
        appenders = []
        if args.appender:
            # Two more processes append to the ledger at the same time, entry by entry, while both servers work.
            script = f'for i in $(seq 1 100); do "{args.appender}" ledger stress-append --count 1 --person W0001 --db "{args.db}" >/dev/null || exit 1; done'
            appenders = [subprocess.Popen(["bash", "-c", script], env=env) for _ in range(2)]
        random.seed()
        kill_at = random.uniform(args.seconds * 0.4, args.seconds * 0.7)
        time.sleep(kill_at)
        server_b.send_signal(signal.SIGKILL)
        server_b.wait()
        out_a, out_b = json.loads(load_a.communicate()[0]), json.loads(load_b.communicate()[0])
        appended = sum(p.wait() == 0 for p in appenders)
        failures += len(appenders) - appended
        checked, lost, examples = check(base_a, candidates, [json.load(open(records[0])), json.load(open(records[1]))])
        print(json.dumps({"phase": "two servers, the second killed", "candidates": len(candidates),
                          "killedAfterSeconds": round(kill_at, 1), "savesA": out_a["requests"], "p99A": out_a["p99"],
                          "savesB": out_b["requests"], "errorsB": out_b["errors"], "positionsChecked": checked,
                          "lost": lost, "ledgerAppenders": f"{appended} of {len(appenders)} appended 100 entries each",
                          **({"examples": examples} if examples else {})}))
        failures += lost
        server_b, base_b = start_server(args.kefu, args.db, env, os.path.join(work, "b2.log"))
        load_a = load(base_a, a, args.again, records[2], work, "a2")
        load_b = load(base_b, b, args.again, records[3], work, "b2")
        out_a, out_b = json.loads(load_a.communicate()[0]), json.loads(load_b.communicate()[0])
        checked, lost, examples = check(
            base_b, candidates, [json.load(open(r)) for r in records])
        print(json.dumps({"phase": "after restarting the second server", "savesA": out_a["requests"],
                          "savesB": out_b["requests"], "errors": out_a["errors"] + out_b["errors"],
                          "positionsChecked": checked, "lost": lost, **({"examples": examples} if examples else {})}))
        failures += lost + out_a["errors"] + out_b["errors"]
    finally:
        for server in (server_a, server_b):
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
    for what in (["ledger", "verify"], ["audit", "verify"]):
        status, last = run_kefu(args.kefu, what + ["--db", args.db], env)
        print(json.dumps({"phase": " ".join(what), "exit": status, "last": last[0]}))
        failures += status != 0
    if failures:
        sys.exit(f"two-servers: {failures} failure(s)")
    print("two-servers: 0 answers lost, ledger and audit log verify")


if __name__ == "__main__":
    main()
