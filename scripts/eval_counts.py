#!/usr/bin/env python3
"""Validate the human-labelled evaluation sets in Rubrics/eval/ and print their counts.

Usage: python3 scripts/eval_counts.py [--markdown]

Checks every line: valid JSON, required fields, one label for every item of the rubric
(read from Rubrics/<rubric>.yaml when PyYAML is available, else the built-in list),
values in {pass, fail, n/a}, unique ids, split = dev for odd and test for even numbers,
4-12 turns. Prints counts per language, split, script/width and item/label.
"""
import json, re, sys, collections, pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
EVAL = ROOT / "Rubrics" / "eval"
ITEMS = ["greeting", "identity", "offer-help", "confirm-understanding", "apology", "reply-time-promise",
         "closing", "rude", "impatient", "buck-passing", "guarantee", "vague", "blame", "disclosure"]
VALUES = {"pass", "fail", "n/a"}
# characters that exist only in traditional script (their simplified forms differ)
TRAD = set("這們說麼還問題嗎對請謝關務幫時間處帳戶際從讓為擔單號貨數據資訊網絡電話聯繫確認證嗎們歡迎諮詢愉樂險會員給")
FULLWIDTH = re.compile("[\uFF01-\uFF5E]")
FULLWIDTH_ALNUM = re.compile("[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]")


def rubric_items(rubric):
    try:
        import yaml
        d = yaml.safe_load(open(ROOT / "Rubrics" / f"{rubric}.yaml", encoding="utf-8"))
        return [it["id"] for s in d["sections"] for it in s["items"]]
    except Exception:
        return ITEMS


def check(path):
    errors, rows, seen = [], [], set()
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        try:
            o = json.loads(line)
        except Exception as e:
            errors.append(f"{path.name}:{n}: bad JSON: {e}"); continue
        for k in ("id", "split", "labeller", "rubric", "interaction", "labels"):
            if k not in o:
                errors.append(f"{path.name}:{n}: missing {k}")
        if errors and errors[-1].startswith(f"{path.name}:{n}:"):
            continue
        if o["id"] in seen:
            errors.append(f"{path.name}:{n}: duplicate id {o['id']}")
        seen.add(o["id"])
        num = int(o["id"].rsplit("-", 1)[1])
        if o["split"] != ("dev" if num % 2 else "test"):
            errors.append(f"{path.name}:{n}: split {o['split']} for {o['id']}")
        it = o["interaction"]
        if it.get("id") != o["id"]:
            errors.append(f"{path.name}:{n}: interaction id differs")
        if it.get("channel") not in ("phone", "chat", "wechat", "email"):
            errors.append(f"{path.name}:{n}: channel {it.get('channel')}")
        turns = it.get("turns", [])
        if not 4 <= len(turns) <= 12:
            errors.append(f"{path.name}:{n}: {len(turns)} turns")
        if any(t.get("speaker") not in ("agent", "customer") or not t.get("text") for t in turns):
            errors.append(f"{path.name}:{n}: bad turn")
        want = rubric_items(o["rubric"])
        if set(o["labels"]) != set(want):
            errors.append(f"{path.name}:{n}: label keys {sorted(set(o['labels']) ^ set(want))}")
        bad = {k: v for k, v in o["labels"].items() if v not in VALUES}
        if bad:
            errors.append(f"{path.name}:{n}: label values {bad}")
        rows.append(o)
    return rows, errors


def main():
    md = "--markdown" in sys.argv
    allerr = []
    for path in sorted(EVAL.glob("*.labels.jsonl")):
        rows, errors = check(path)
        allerr += errors
        text = lambda o: "".join(t["text"] for t in o["interaction"]["turns"])
        trad = sum(1 for o in rows if sum(c in TRAD for c in text(o)) >= 5)
        fw = sum(1 for o in rows if FULLWIDTH_ALNUM.search(text(o)))
        split = collections.Counter(o["split"] for o in rows)
        chan = collections.Counter(o["interaction"]["channel"] for o in rows)
        clean = sum(1 for o in rows if "fail" not in o["labels"].values())
        print(f"\n### {path.name}\n")
        print(f"{len(rows)} interactions: dev {split['dev']}, test {split['test']}; "
              f"traditional script {trad}; with full-width letters/digits {fw}; "
              f"all items pass/n/a {clean}, at least one fail {len(rows) - clean}; "
              f"agents {len({o['interaction']['agent'] for o in rows})}; "
              + ", ".join(f"{k} {v}" for k, v in sorted(chan.items())) + "\n")
        items = list(rows[0]["labels"]) if rows else []
        if md:
            print("| item | dev pass | dev fail | dev n/a | test pass | test fail | test n/a |")
            print("|---|---|---|---|---|---|---|")
        for item in items:
            c = {s: collections.Counter(o["labels"][item] for o in rows if o["split"] == s) for s in ("dev", "test")}
            cells = [c[s][v] for s in ("dev", "test") for v in ("pass", "fail", "n/a")]
            if md:
                print(f"| {item} | " + " | ".join(map(str, cells)) + " |")
            else:
                print(f"{item:22} dev p/f/na {cells[0]:3} {cells[1]:3} {cells[2]:3}   test p/f/na {cells[3]:3} {cells[4]:3} {cells[5]:3}")
    for e in allerr:
        print("ERROR", e, file=sys.stderr)
    print(f"\n{len(allerr)} errors")
    return 1 if allerr else 0


if __name__ == "__main__":
    sys.exit(main())
