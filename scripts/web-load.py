#!/usr/bin/env python3
"""Load generator for `kefu bench web`: simulated candidates answering through HTTP on loopback.

Standard library only (asyncio, raw HTTP/1.1 keep-alive connections), so it runs on a fresh machine.

  web-load.py --base http://127.0.0.1:PORT --candidates FILE --mode paced|saturated|render [--seconds N]

FILE (written by `kefu bench web`) lists, per candidate, an API token, an attempt in progress and its questions.
Every request saves a *different* answer than the one stored (answers alternate), so each one is a real write.
Prints one JSON object: requests, errors, seconds, rate, latency percentiles in milliseconds.
"""
import argparse
import asyncio
import json
import random
import sys
import time


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method, path, headers, body=b""):
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        for name, value in headers.items():
            head += f"{name}: {value}\r\n"
        head += f"Content-Length: {len(body)}\r\n\r\n"
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed")
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        payload = await self.reader.readexactly(length) if length else b""
        return status, payload


# Diagnostics: KEFU_LOAD_SLOW=50 prints every save slower than 50 ms with its start time to standard error.
SLOW = float(__import__("os").environ.get("KEFU_LOAD_SLOW", "0"))
BEGAN = time.monotonic()


def answer_for(question, turn):
    """A valid answer for `question` that differs from the previous turn's."""
    kind = question["type"]
    if kind == "single":
        choices = question["choices"]
        return {"choices": [choices[turn % len(choices)]]}
    if kind == "multiple":
        choices = question["choices"]
        return {"choices": sorted({choices[0], choices[(turn % (len(choices) - 1)) + 1]})} if len(choices) > 1 else {"choices": choices}
    if kind == "truefalse":
        return {"truth": turn % 2 == 0}
    if kind == "numerical":
        return {"number": turn}
    if kind == "matching":
        options = question["matchingChoices"]
        return {"matches": [options[(turn + i) % len(options)] for i in range(question["items"])]}
    return {"text": f"您好，很抱歉给您带来不便，我们会在今天 18:00 前回复您（第 {turn} 次修改）"}


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    index = min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[index]


# --record FILE: per attempt and position, the last answer the server acknowledged (200) and every answer sent after
# it without an acknowledgement (in flight when a server was killed); scripts/two-servers.py checks the database
# against it. A candidate whose server stops answering stops too.
RECORD = {}


def note(cand, position, body, acked):
    entry = RECORD.setdefault(f"{cand['attempt']}/{position}", {"acked": None, "pending": []})
    if acked:
        entry["acked"], entry["pending"] = body, []
    else:
        entry["pending"].append(body)


async def candidate_loop(host, port, cand, deadline, paced, latencies, errors, counter, starts):
    conn = Connection(host, port)
    await conn.open()
    questions = [q for q in cand["questions"] if q["type"] != "description"]
    headers = {"Authorization": "Bearer " + cand["token"], "Content-Type": "application/json"}
    turn = random.randrange(1000)
    if paced:
        await asyncio.sleep(random.random())  # spread arrivals over the first second
    # Like a browser: the attempt page is opened before the first answer (not counted as a save).
    status, _ = await conn.request("GET", f"/attempts/{cand['attempt']}", {"Authorization": "Bearer " + cand["token"]})
    if status != 200:
        errors.append(f"page {status}")
    next_at = time.monotonic()
    if paced:
        next_at += 1.0  # a second of reading before the first answer
        await asyncio.sleep(1.0)
    while time.monotonic() < deadline:
        q = questions[turn % len(questions)]
        body = json.dumps({"answer": answer_for(q, turn // len(questions))}).encode()
        start = time.monotonic()
        note(cand, q["position"], body.decode(), False)
        try:
            status, _ = await conn.request("PUT", f"/api/attempts/{cand['attempt']}/answers/{q['position']}", headers, body)
            if status != 200:
                errors.append(status)
            else:
                note(cand, q["position"], body.decode(), True)
                latencies.append(time.monotonic() - start)
                starts.append(start)
                if SLOW and latencies[-1] * 1000 > SLOW:
                    print(f"slow: {latencies[-1] * 1000:.0f} ms at +{start - BEGAN:.2f} s", file=sys.stderr)
        except (ConnectionError, asyncio.IncompleteReadError, OSError) as error:
            errors.append(str(error))
            try:
                await conn.open()
            except OSError:
                return  # the server is gone (killed on purpose by scripts/two-servers.py)
        counter[0] += 1
        turn += 1
        if paced:
            next_at += 1.0
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    conn.writer.close()


async def render_loop(host, port, cand, deadline, latencies, errors):
    conn = Connection(host, port)
    await conn.open()
    headers = {"Authorization": "Bearer " + cand["token"]}
    while time.monotonic() < deadline:
        start = time.monotonic()
        status, body = await conn.request("GET", f"/attempts/{cand['attempt']}", headers)
        if status != 200 or b"exam-form" not in body:
            errors.append(status)
        else:
            latencies.append(time.monotonic() - start)
    conn.writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--candidates", required=True)
    parser.add_argument("--mode", choices=["paced", "saturated", "render"], required=True)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=64, help="saturated/render: concurrent connections")
    parser.add_argument("--label", help="a name carried into the output")
    parser.add_argument("--warmup", type=float, default=3, help="paced: seconds reported apart (arrival burst)")
    parser.add_argument("--record", help="write what was acknowledged and what was in flight to this JSON file")
    args = parser.parse_args()
    hostport = args.base.split("://", 1)[1].rstrip("/")
    host, port = hostport.rsplit(":", 1)
    port = int(port)
    with open(args.candidates, encoding="utf-8") as f:
        candidates = json.load(f)
    random.seed(7)
    latencies, errors, counter, starts = [], [], [0], []
    began = time.monotonic()
    deadline = began + args.seconds
    if args.mode == "paced":
        tasks = [candidate_loop(host, port, c, deadline, True, latencies, errors, counter, starts) for c in candidates]
    elif args.mode == "saturated":
        chosen = candidates[: args.connections]
        tasks = [candidate_loop(host, port, c, deadline, False, latencies, errors, counter, starts) for c in chosen]
    else:
        chosen = candidates[: args.connections]
        tasks = [render_loop(host, port, c, deadline, latencies, errors) for c in chosen]
    await asyncio.gather(*tasks)
    seconds = time.monotonic() - began
    if args.record:
        with open(args.record, "w", encoding="utf-8") as f:
            json.dump(RECORD, f)
    ms = lambda v: round(v * 1000, 2)
    # Paced: the first seconds (every candidate opens the attempt page within the same second, then answers) are
    # reported apart from the steady state the percentiles describe.
    total = len(latencies)
    warmup = []
    if args.mode == "paced" and args.warmup > 0:
        cut = began + args.warmup
        warmup = [l for l, s in zip(latencies, starts) if s < cut]
        latencies = [l for l, s in zip(latencies, starts) if s >= cut]
    print(json.dumps({
        "mode": args.mode, **({"label": args.label} if args.label else {}), "requests": total, "errors": len(errors), "firstErrors": [str(e) for e in errors[:3]],
        "seconds": round(seconds, 2), "rate": round(total / seconds, 1),
        "p50": ms(percentile(latencies, 50)), "p95": ms(percentile(latencies, 95)),
        "p99": ms(percentile(latencies, 99)), "max": ms(max(latencies) if latencies else 0),
        **({"warmupRequests": len(warmup), "warmupP99": ms(percentile(warmup, 99)), "warmupMax": ms(max(warmup) if warmup else 0),
            "warmupSeconds": args.warmup} if args.mode == "paced" else {}),
    }))


if __name__ == "__main__":
    asyncio.run(main())
