#!/usr/bin/env bash
# Quick start, command 1: Kefu's main job on the embedded default.
# Builds kefu, lints all content, scores the bundled sample transcripts with the bundled rubrics,
# and prints readable reports.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
kefu="${KEFU_DEMO_BIN:-.build/debug/kefu}"
if [ -z "${KEFU_DEMO_BIN:-}" ]; then
    echo "== building kefu"
    swift build --product kefu 2>&1 | tail -n 1
fi
echo
echo "== kefu lint: every rubric, rule example and policy citation"
"$kefu" lint
echo
echo "== kefu score: Chinese sample transcripts with conduct.zh (full report)"
"$kefu" score --rubric conduct.zh --input Samples/conduct.zh.jsonl
echo
echo "== kefu score: every other sample file with its rubric (one line per interaction)"
for file in Samples/*.jsonl; do
    rubric=$(basename "$file" .jsonl)
    [ "$rubric" = conduct.zh ] && continue
    echo "-- $rubric"
    "$kefu" score --rubric "$rubric" --input "$file" --format summary
done
echo
echo "== kefu score --format jsonl: the machine-readable result of one WeChat transcript"
"$kefu" score --rubric wechat.zh --input Samples/wechat.zh.jsonl --format jsonl | tail -n 1 | cut -c1-400
echo "…"
echo
echo "== kefu coverage: which policy clauses the content cites"
"$kefu" coverage | sed -n 1,1p

# Storage and the certification ledger, on a fresh embedded SQLite database (or, with KEFU_DEMO_DB=postgres://…,
# on an empty PostgreSQL database: scripts/postgres-e2e.sh runs the demo both ways).
demo=$(mktemp -d)
export KEFU_DB="${KEFU_DEMO_DB:-$demo/kefu.sqlite}"
# The issuer's signing keys live outside the database's folder (by default ~/.config/kefu/keys); the demo keeps
# its throwaway keys in their own folder, which kefu creates with mode 0700.
export KEFU_KEY_DIR="$demo/keys"
unset KEFU_KEY
echo
echo "== kefu people import: the sample team ($KEFU_DB)"
"$kefu" people import Samples/people.csv
echo
echo "== roles come from the level and from grants: the QA staff (senior specialists and an expert) review as qa-reviewer"
for reviewer in Q001 Q002 Q003; do "$kefu" role grant "$reviewer" qa-reviewer; done
"$kefu" role list Q001
echo
echo "== accounts: a one-time invitation link, a password from standard input (never an argument), a sign-in"
link=$("$kefu" account invite E001 | grep -E '^https?://')
echo "$link" | sed -E 's/token=.*/token=…  (one-time, valid 7 days)/'
printf 'correct horse battery staple\n' | "$kefu" account set-password --token "$link" --password-stdin
printf 'wrong horse battery staple\n' | "$kefu" account login E001 --password-stdin || true
printf 'correct horse battery staple\n' | "$kefu" account login E001 --password-stdin | sed -n 1p
"$kefu" account show E001
echo
echo "== kefu certify before any evidence: every requirement is explained"
"$kefu" certify E001 onboarding || true
echo
echo "== kefu scenario: 12 scripted customer conversations in Chinese and English; one branch graph"
"$kefu" scenario list
"$kefu" scenario graph express-damaged-parcel --format mermaid | sed -n 1,6p
echo
echo "== kefu play: E001 takes the two onboarding scenarios in exam mode from reply files (the system draws the customer's wording)"
"$kefu" play p2p-withdrawal-delay --as E001 --mode exam --replies Scenarios/p2p/withdrawal-delay.zh.model.jsonl | grep -E "result:|^rubric|reply times|saved as"
"$kefu" play express-damaged-parcel --as E001 --mode exam --replies Scenarios/express/damaged-parcel.zh.model.jsonl | grep -E "result:|^rubric|reply times|saved as"
echo
echo "== a poor attempt in practice mode (where a trainee may choose the seed): the customer escalates, the run fails (exit 1), the transcript is kept"
"$kefu" play p2p-withdrawal-delay --as E003 --seed 1 --replies Scenarios/p2p/withdrawal-delay.zh.poor.jsonl | grep -E "^(客户|你 you|   [✓✗⏱]|══ result)" || true
"$kefu" transcript list
echo
echo "== question banks (YAML and Moodle GIFT, Chinese and English) and exam blueprints"
"$kefu" bank list
"$kefu" exam list
echo
echo "== kefu exam take: the system draws each paper; a candidate's --seed is refused, an administrator may fix one (recorded)"
"$kefu" exam take onboarding-theory --as E001 --lang zh --seed 7 --answers Samples/exams/onboarding-theory.zh.model.jsonl 2>&1 | sed -n 1,2p || true
"$kefu" exam fix-seed E001 onboarding-theory 7
"$kefu" exam take onboarding-theory --as E001 --lang zh --answers Samples/exams/onboarding-theory.zh.model.jsonl | sed -n 1,4p || true
echo "…"
echo "-- the essay waits for the candidate's mentor or a team lead; E001 cannot mark their own; team lead L001 marks it"
"$kefu" exam queue | sed -n 1,2p
essay=$("$kefu" exam queue | sed -n -E 's/^attempt #1 question ([0-9]+).*/\1/p' | sed -n 1,1p)
"$kefu" exam grade 1 "$essay" 5 --as E001 2>&1 | sed -n 1p || true
"$kefu" exam grade 1 "$essay" 4.5 --as L001 --comment "步骤完整，话术规范"
"$kefu" exam results E001
echo
echo "== retake or retrain until passed: E003 fails twice, is flagged for retraining, and a supervisor clears the flag"
for round in 1 2; do
    "$kefu" exam take onboarding-theory --as E003 --lang zh --answers Samples/exams/onboarding-theory.zh.weak.jsonl >/dev/null || true
    attempt=$("$kefu" exam queue | sed -n -E 's/^attempt #([0-9]+) question ([0-9]+) · E003.*/\1 \2/p' | sed -n 1,1p)
    "$kefu" exam grade $attempt 1 --as L001 --comment "流程不完整"
done
"$kefu" exam take onboarding-theory --as E003 --lang zh --answers Samples/exams/onboarding-theory.zh.model.jsonl || true
"$kefu" exam clear E003 onboarding-theory --as S001 --note "完成投诉处理与话术复训"
"$kefu" exam take onboarding-theory --as E003 --lang zh --answers Samples/exams/onboarding-theory.zh.model.jsonl >/dev/null || true
attempt=$("$kefu" exam queue | sed -n -E 's/^attempt #([0-9]+) question ([0-9]+) · E003.*/\1 \2/p' | sed -n 1,1p)
"$kefu" exam grade $attempt 5 --as L001 --comment "复训后处理完整"
"$kefu" exam results E003
echo
echo "== kefu exam stats: item analysis over first attempts (facility, discrimination, Cronbach's alpha)"
"$kefu" exam stats onboarding-theory | sed -n 1,8p
echo
echo "== nobody certifies themselves: E004's hand-entered sign-off for E004 is refused (hand-entered evidence is an administrator's, with a reason)"
"$kefu" evidence signoff --person E004 --mentor E004 --certification onboarding --reason "x" --as E004 2>&1 | sed -n 1p || true

# 导师带徒: mentor assignment under Tracks/mentoring.yaml.
echo
echo "== mentors must hold a valid onboarding certification: M001 and Q001 earn it like anyone (exam, scenarios, a supervisor's sign-off)"
for mentor in M001 Q001; do
    "$kefu" exam take onboarding-theory --as "$mentor" --lang zh --answers Samples/exams/onboarding-theory.zh.model.jsonl >/dev/null || true
    attempt=$("$kefu" exam queue | sed -n -E "s/^attempt #([0-9]+) question ([0-9]+) · $mentor.*/\1 \2/p" | sed -n 1,1p)
    "$kefu" exam grade $attempt 5 --as L001 >/dev/null
    run=$("$kefu" play p2p-withdrawal-delay --as "$mentor" --mode exam --replies Scenarios/p2p/withdrawal-delay.zh.model.jsonl | sed -n -E 's/.*saved as transcript ([0-9]+).*/\1/p')
    "$kefu" play express-damaged-parcel --as "$mentor" --mode exam --replies Scenarios/express/damaged-parcel.zh.model.jsonl >/dev/null
    "$kefu" mentor sign-off "$run" --as S001 --note "带教能力合格" >/dev/null
    "$kefu" certify "$mentor" onboarding | tail -n 1
done
echo
echo "== kefu mentor assign: every new hire gets a mentor (optimal for the weights; each pair with its reasons)"
"$kefu" mentor assign
"$kefu" mentor list
echo
echo "== M001 reviews an apprentice's work: the queue, a note on a turn, an override with its reason, the transcript, a sign-off"
"$kefu" mentor queue --as M001
run=$("$kefu" mentor queue --as M001 | sed -n -E 's/^transcript ([0-9]+) · E001 · p2p.*/\1/p' | sed -n 1,1p)
"$kefu" mentor annotate "$run" --turn 1 --note "问候、表明身份、致歉一气呵成" --as M001
"$kefu" mentor override "$run" identity --turn 1 --verdict fail --reason "本组话术要求报工号，只报姓名不够" --as M001
"$kefu" mentor show "$run" --as M001 | sed -n 3,6p
"$kefu" mentor sign-off "$run" --as M001 --note "可独立处理提现咨询"
echo "-- Q001 is not E001's mentor: the transcript does not exist for them"
"$kefu" mentor show "$run" --as Q001 2>&1 || true
echo
echo "== E001 is certified from real evidence only: the exam, the two scenario runs and the mentor's sign-off"
"$kefu" certify E001 onboarding
entry=$("$kefu" ledger list --person E001 | sed -n -E 's/^([0-9]+) .*issued.*/\1/p' | sed -n 1,1p)
echo
echo "== kefu ledger: every entry signed; checkpoints written to two outside witnesses; verification against both"
mkdir -p "$demo/witness-a" "$demo/witness-b"
"$kefu" ledger checkpoint --witness "$demo/witness-a/checkpoint.txt" --witness "$demo/witness-b/checkpoint.txt" >/dev/null
cat "$demo/witness-a/checkpoint.txt"
"$kefu" ledger verify --checkpoint "$demo/witness-a/checkpoint.txt" --checkpoint "$demo/witness-b/checkpoint.txt"
echo
echo "== kefu ledger credential: an Open Badges 3.0 VC-JWT (kid in the issuer's JWKS), checked here and offline"
"$kefu" ledger credential "$entry" --output "$demo/onboarding-E001.jwt"
"$kefu" ledger public-key --jwks > "$demo/issuer.jwks"
"$kefu" ledger status-list --output "$demo/status.jwt"
"$kefu" ledger verify-credential "$demo/onboarding-E001.jwt"
"$kefu" ledger verify-credential "$demo/onboarding-E001.jwt" --jwks "$demo/issuer.jwks" --status-list "$demo/status.jwt"
echo "-- the key is rotated; what the old key signed keeps verifying (its public key stays in the JWKS)"
"$kefu" ledger rotate-key
"$kefu" ledger verify --checkpoint "$demo/witness-a/checkpoint.txt"
echo
echo "== the audit log: every state change, hash-chained, free text masked; its head kept outside the database"
"$kefu" audit list --action exam. --limit 4
"$kefu" audit head --output "$demo/witness-a/audit-head.json"
"$kefu" audit verify --head "$demo/witness-a/audit-head.json"
echo
echo "== M001 leaves: only M001's apprentices are re-matched; Q001 (capacity 3) cannot take all four, and the report says why"
"$kefu" people leave M001
"$kefu" mentor assign || true
"$kefu" mentor list

# QA auditing of real interactions: masked import, reproducible sample, scores, review, dispute, calibration, report.
echo
echo "== kefu qa import: 28 interactions; ID-card, bank-card and mobile numbers are masked before storage"
"$kefu" qa import Samples/qa/interactions.jsonl
echo "-- as stored (order and tracking numbers and amounts survive):"
for id in qa-2026-10-002 qa-2026-11-006 qa-2026-11-010; do "$kefu" qa show "$id" | grep -m 1 customer; done
echo
echo "== kefu qa score, a reproducible sample (3 per agent + 1 failed conversation each), and its verification"
"$kefu" qa score --rubric conduct.zh
"$kefu" qa sample --period 2026-11 --per-agent 3 --oversample-failed 1 --rubric conduct.zh --seed 20261122 --name audit-2026-11
"$kefu" qa sample --verify audit-2026-11
echo
echo "== kefu qa review in the terminal (answers piped in): Q001 confirms every item but overrides confirm-understanding"
printf '\n\n\np\n录音中已复述客户诉求\n\n\n\n\n\n\n\n\n\n\n\n' \
    | "$kefu" qa review audit-2026-11 --as Q001 --rubric conduct.zh --limit 1 | tail -n 2
echo
echo "== the agent disputes an item, the team lead rejects it; every step is in the append-only audit log"
"$kefu" qa dispute 1 closing --as E001 --reason "我在最后一轮已致谢并道别"
"$kefu" qa resolve 1 --as L001 --reject --comment "末轮未使用结束语，维持原判"
"$kefu" qa audit
echo
echo "== blind calibration: three QA reviewers score the same three interactions"
"$kefu" qa sample --period 2026-11 --per-agent 1 --seed 7 --name calibration-2026-11
"$kefu" qa calibration create cal-2026-11 --sample calibration-2026-11 --rubric conduct.zh --reviewers Q001,Q002,Q003 --as L001
for reviewer in Q001 Q002 Q003; do
    "$kefu" qa review calibration-2026-11 --as "$reviewer" --rubric conduct.zh --calibration cal-2026-11 \
        --decisions "Samples/qa/calibration/$reviewer.csv" | tail -n 1
done
"$kefu" qa calibrate cal-2026-11
echo
echo "== kefu qa report: quality per agent with the trend, frequent failures, automatic vs human, coverage"
"$kefu" qa report --period 2026-11 --rubric conduct.zh --by agent

# Performance reviews and promotion tracks.
echo
echo "== performance reviews: KPI inputs (surveys, complaints, resolutions, teamwork ratings) + QA scores + exams → monthly cycles"
"$kefu" review import Samples/reviews/feedback-2026.csv
"$kefu" review-cycle run --period 2026-10 | tail -n 1
"$kefu" review-cycle run --period 2026-11
"$kefu" review report --person E001
"$kefu" review report --team 微信一组 --period 2026-11 --format csv
"$kefu" review chart E001 --output "$demo/E001-kpi.svg"
echo
echo "== kefu promote check: every rule of the next step on both tracks, met or unmet, with the actual values"
"$kefu" promote check E004 || true

# The web app on the same database: sign-in links, a health check, a graceful stop.
echo
echo "== kefu serve --demo: the web app (trainees, mentors, QA reviewers, team leads, supervisors, administrators; credential checks; JSON API)"
"$kefu" serve --demo --port 0 > "$demo/serve.log" 2>"$demo/serve.err" &
server=$!
for _ in $(seq 1 50); do grep -q "listening on" "$demo/serve.log" 2>/dev/null && break; sleep 0.2; done
sed -E 's/token=.*/token=…  (one-time invitation link)/' "$demo/serve.log"
base=$(grep -oE 'http://[0-9.:]+' "$demo/serve.log" | head -n 1 || true)
if [ -z "$base" ]; then echo "kefu serve did not start:"; cat "$demo/serve.err"; exit 1; fi
python3 - "$base" <<'PY'
import sys, urllib.request, urllib.error
base = sys.argv[1]
print("GET /healthz →", urllib.request.urlopen(base + "/healthz").read().decode().strip())
class Stop(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args): return None
try:
    urllib.request.build_opener(Stop).open(base + "/")
except urllib.error.HTTPError as e:
    print("GET / (anonymous) →", e.code, e.headers["Location"])
PY
kill -TERM "$server" && wait "$server" && echo "stopped gracefully on SIGTERM"
echo "To click through yourself: .build/debug/kefu serve --demo   (then open a printed link)"
# KEFU_DEMO_KEEP=FOLDER keeps the database, keys and outputs (scripts/postgres-e2e.sh copies them into PostgreSQL).
if [ -n "${KEFU_DEMO_KEEP:-}" ]; then cp -r "$demo/." "$KEFU_DEMO_KEEP/"; fi
rm -rf "$demo"
