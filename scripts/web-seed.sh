# Seeds a throwaway database for the web app's browser tests and page benchmark (sourced, not run): the sample team,
# passwords for the people each flow signs in as, and real evidence for each role's flow (see the comments below).
# Expects: $kefu (the binary), $work (a fresh folder); exports KEFU_DB, KEFU_KEY_DIR, KEFU_ROOT and KEFU_TEST_*.
# shellcheck shell=bash
export KEFU_DB="$work/kefu.sqlite"
export KEFU_KEY_DIR="$work/keys"
export KEFU_ROOT="$PWD"
unset KEFU_KEY KEFU_TOKEN KEFU_HOST KEFU_PORT KEFU_WEB KEFU_SECURE_COOKIES
export KEFU_TEST_PASSWORD="correct horse battery staple"

# Gives each person a password (an invitation used at once).
enrol() {
    for person in "$@"; do
        link=$("$kefu" account invite "$person" | grep -E '^https?://')
        printf '%s\n' "$KEFU_TEST_PASSWORD" | "$kefu" account set-password --token "$link" --password-stdin >/dev/null
    done
}
# Plays both onboarding scenarios in exam mode with their model replies; prints the P2P run's transcript number.
play_both() {
    "$kefu" play p2p-withdrawal-delay --as "$1" --mode exam \
        --replies Scenarios/p2p/withdrawal-delay.zh.model.jsonl | sed -n -E 's/.*saved as transcript ([0-9]+).*/\1/p'
    "$kefu" play express-damaged-parcel --as "$1" --mode exam \
        --replies Scenarios/express/damaged-parcel.zh.model.jsonl >/dev/null
}
# PERSON earns `onboarding` from real evidence, as in scripts/demo.sh: the theory exam with its essay marked by
# GRADER, the two scenarios in exam mode, and S001's (a supervisor's) sign-off.
earn_onboarding() {
    local person=$1 grader=$2 attempt run
    "$kefu" exam take onboarding-theory --as "$person" --lang zh \
        --answers Samples/exams/onboarding-theory.zh.model.jsonl >/dev/null || true
    attempt=$("$kefu" exam queue | sed -n -E "s/^attempt #([0-9]+) question ([0-9]+) · $person.*/\1 \2/p" | sed -n 1,1p)
    [ -n "$attempt" ] || { echo "browser-test: no essay of $person waiting to be graded" >&2; exit 1; }
    # shellcheck disable=SC2086 # "attempt question"
    "$kefu" exam grade $attempt 5 --as "$grader" >/dev/null
    run=$(play_both "$person")
    "$kefu" mentor sign-off "$run" --as S001 --note "带教能力合格" >/dev/null
    "$kefu" certify "$person" onboarding | tail -n 1
}

"$kefu" people import Samples/people.csv >/dev/null
# E001 (zh) takes the exam and plays the scenario in the browser; E002 (en) holds a certification; E003 is spare.
enrol E001 E002 E003
holder=E002
earn_onboarding "$holder" L001
export KEFU_TEST_HOLDER="$holder" KEFU_TEST_CERTIFICATION=onboarding
# --- mentor flow (Tests/browser/test_mentor.py): M001 earns onboarding (so may mentor) and is assigned the new hires;
# apprentice E003 passes both exam-mode scenarios and submits the theory exam, whose essay waits for M001's mark.
# In the browser M001 marks the essay, overrides a verdict and signs off; supervisor S001 then issues onboarding.
enrol M001 S001
earn_onboarding M001 L001 >/dev/null
"$kefu" mentor assign >/dev/null
[ "$("$kefu" mentor list | grep -E '^M001:' | grep -c 'E003')" -ge 1 ] \
    || { echo "browser-test: E003 is not M001's apprentice" >&2; "$kefu" mentor list >&2; exit 1; }
apprentice=E003
play_both "$apprentice" >/dev/null
"$kefu" exam take onboarding-theory --as "$apprentice" --lang zh \
    --answers Samples/exams/onboarding-theory.zh.model.jsonl >/dev/null || true
export KEFU_TEST_MENTOR=M001 KEFU_TEST_APPRENTICE="$apprentice" KEFU_TEST_SUPERVISOR=S001
# --- end of the mentor flow's seed
export KEFU_TEST_TRAINEE=E001

# ---- team area (Tests/browser/test_team.py) ---------------------------------------------------------------------------
# A supervisor (S001) runs the review cycle 2026-11 in the browser, then checks and applies team lead L001's promotion
# to supervisor; an administrator (Q002, granted admin) has the people pages. L001 meets every other rule of that step
# here, from real evidence as in scripts/demo.sh: `onboarding` (the exam, its essay marked by S001; both scenarios;
# S001's sign-off), three new hires' mentor from `kefu mentor assign`, and KPI feedback rated A in
# 2026-08 … 2026-11 with the cycles 2026-08 … 2026-10 stored (the fourth rating comes from the browser's cycle).
echo "== team area: L001 earns onboarding, mentors three new hires, has three rated cycles; S001 and Q002 sign in"
"$kefu" role grant Q002 admin >/dev/null
enrol Q002
lead=L001
earn_onboarding "$lead" S001
# Three new hires of today for L001 to mentor (the mentor flow above gave M001, full at four, the sample's new hires).
today=$(date -u +%Y-%m-%d)
{
    echo "id,name,team,site,level,hire_date,languages,channels,status,manager"
    for n in 1 2 3; do echo "T00$n,新人$n,微信一组,上海,specialist,$today,zh,wechat,active,L001"; done
} >"$work/team-hires.csv"
"$kefu" people import "$work/team-hires.csv" >/dev/null
"$kefu" mentor assign >/dev/null || true
# `kefu mentor list` prints one line per mentor: "L001: T001, T002, T003".
[ "$("$kefu" mentor list | grep -E "^$lead:" | tr ',' '\n' | wc -l)" -ge 3 ] \
    || { echo "browser-test: $lead mentors fewer than 3" >&2; "$kefu" mentor list >&2; exit 1; }
{
    echo "date,person,kind,value"
    for month in 08 09 10 11; do
        for day in 05 12 19; do echo "2026-$month-$day,$lead,satisfaction,5"; done
        echo "2026-$month-06,$lead,resolved,1"
        echo "2026-$month-06,$lead,resolved_on_time,1"
        echo "2026-$month-20,$lead,teamwork_supervisor,5"
    done
} >"$work/team-feedback.csv"
"$kefu" review import Samples/reviews/feedback-2026.csv >/dev/null
"$kefu" review import "$work/team-feedback.csv" >/dev/null
for period in 2026-08 2026-09 2026-10; do "$kefu" review-cycle run --period "$period" | tail -n 1; done
export KEFU_TEST_SUPERVISOR=S001 KEFU_TEST_ADMIN=Q002 KEFU_TEST_PROMOTE="$lead" KEFU_TEST_PROMOTE_TO=supervisor
export KEFU_TEST_CYCLE=2026-11
# ---- end of the team area ------------------------------------------------------------------------------------------
# ---- QA (Tests/browser/test_qa.py): QA reviewers Q001-Q003 (granted qa-reviewer), team lead L001, the sample
# interactions imported and scored with conduct.zh, a sample to review and a one-interaction sample to calibrate on.
# (Q002 is enrolled by the team area's block above.)
enrol Q001 Q003 L001
for person in Q001 Q002 Q003; do "$kefu" role grant "$person" qa-reviewer >/dev/null; done
"$kefu" qa import Samples/qa/interactions.jsonl >/dev/null
"$kefu" qa score --rubric conduct.zh >/dev/null
"$kefu" qa sample --period 2026-11 --per-agent 2 --seed 20261122 --name web-audit >/dev/null
"$kefu" qa sample --period 2026-11 --per-agent 1 --where agent=E001 --seed 7 --name web-cal >/dev/null
export KEFU_TEST_QA_SAMPLE=web-audit KEFU_TEST_QA_CAL_SAMPLE=web-cal KEFU_TEST_QA_RUBRIC=conduct.zh
# ---- end QA

