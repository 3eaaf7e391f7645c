#!/usr/bin/env bash
# run.sh BUILD_DIR: the ingest benchmarks against a real hikgated, the
# in-process parse+match benchmark, and docs/BENCHMARKS.md from the figures.
#
# For each durability setting (--sync full, then --sync normal) a fresh
# daemon runs on free loopback ports with a data directory seeded with the
# same configuration: the device the load generator impersonates (by MAC),
# 100 more devices with 5 triggers each, and triggers on the bench device
# whose conditions do not hold, so every event is attributed and looked up
# in the rule index without queueing camera actions. bench_ingest then runs
# in new-connection mode (as cameras push) and in keep-alive mode. The
# daemon's peak RSS (VmHWM) and CPU time over the runs are read from /proc
# before it is stopped with SIGTERM.
#
# Bounded: every run has an event count and a hard time limit, every wait a
# deadline; everything stays on 127.0.0.0/8. Environment: BENCH_EVENTS
# (default 50000), BENCH_CONCURRENCY (default 32), BENCH_MATCH_ITERATIONS
# (default 200000), BENCH_OUT (default docs/BENCHMARKS.md), BENCH_KEEP_WORK
# (set: keep the work directory with the daemon logs and raw results).
set -euo pipefail

usage() {
    echo "usage: bench/run.sh BUILD_DIR" >&2
    exit 2
}
[ $# -eq 1 ] || usage
BUILD=$(cd "$1" && pwd) || usage
ROOT=$(cd "$(dirname "$0")/.." && pwd)
EVENTS=${BENCH_EVENTS:-50000}
CONCURRENCY=${BENCH_CONCURRENCY:-32}
MATCH_ITERATIONS=${BENCH_MATCH_ITERATIONS:-200000}
OUT=${BENCH_OUT:-$ROOT/docs/BENCHMARKS.md}
DURATION_LIMIT=60
ADMIN_PASSWORD="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
DEVICE_MAC="c0:56:e3:be:4c:01" # the MAC in bench_ingest's generated alerts

for bin in hikgated bench_ingest; do
    if [ ! -x "$BUILD/$bin" ]; then
        echo "run.sh: $BUILD/$bin is missing: build first (make build)" >&2
        exit 2
    fi
done

WORK=$(mktemp -d /tmp/hikgate-bench-XXXXXX)
DAEMON_PID=""
cleanup() {
    if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
        kill -TERM "$DAEMON_PID" 2>/dev/null || true
        sleep 2
        kill -KILL "$DAEMON_PID" 2>/dev/null || true
    fi
    if [ -n "${BENCH_KEEP_WORK:-}" ]; then
        echo "run.sh: kept $WORK (daemon logs, raw results)" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# http_status URL: the HTTP status of a GET, 000 when there is no answer.
http_status() {
    python3 - "$1" <<'EOF'
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=2).status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print("000")
EOF
}

# start_daemon DATA_DIR SYNC LOG: start hikgated, wait (10 s at most) for
# its health endpoint to answer 200.
start_daemon() {
    INGEST_PORT=$(free_port)
    API_PORT=$(free_port)
    # The load comes from one or a few loopback addresses standing for many
    # cameras: lift the per-address connection cap above the concurrency.
    # The bench camera is declared by MAC, so the trusted-source check holds.
    "$BUILD/hikgated" --data-dir "$1" --ingest "127.0.0.1:$INGEST_PORT" \
        --api "127.0.0.1:$API_PORT" --admin-password "$ADMIN_PASSWORD" --sync "$2" \
        --ingest-per-ip $((CONCURRENCY * 2 + 16)) >>"$3" 2>&1 &
    DAEMON_PID=$!
    local deadline=$((SECONDS + 10))
    while [ $SECONDS -lt $deadline ]; do
        if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
            echo "run.sh: hikgated exited during start-up; its log:" >&2
            tail -n 20 "$3" >&2
            return 1
        fi
        [ "$(http_status "http://127.0.0.1:$API_PORT/api/v1/health")" = 200 ] && return 0
        sleep 0.2
    done
    echo "run.sh: hikgated health did not answer 200 within 10 s" >&2
    return 1
}

# stop_daemon: SIGTERM, 15 s to drain and exit, then SIGKILL.
stop_daemon() {
    kill -TERM "$DAEMON_PID" 2>/dev/null || return 0
    local deadline=$((SECONDS + 15))
    while kill -0 "$DAEMON_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
        sleep 0.2
    done
    if kill -0 "$DAEMON_PID" 2>/dev/null; then
        echo "run.sh: hikgated ignored SIGTERM for 15 s; killing it" >&2
        kill -KILL "$DAEMON_PID" 2>/dev/null || true
    fi
    wait "$DAEMON_PID" 2>/dev/null || true
    DAEMON_PID=""
}

# cpu_ticks PID: user + system CPU time in clock ticks.
cpu_ticks() {
    awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# seed DATA_DIR: the configuration every run starts from (see the header).
seed() {
    python3 - "$1/hikgate.db" "$DEVICE_MAC" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
mac = sys.argv[2]
ins = db.execute
ins("INSERT INTO devices(id,name,address,password,mac,created_ms,updated_ms)"
    " VALUES(1,'bench-camera','127.0.0.1','unused',?,0,0)", (mac,))
for d in range(2, 102):
    ins("INSERT INTO devices(id,name,address,password,mac,created_ms,updated_ms)"
        " VALUES(?,?,?,'unused',?,0,0)",
        (d, "cam-%03d" % d, "127.0.%d.%d" % (1 + d // 250, 2 + d % 250),
         "c0:56:e3:00:%02x:%02x" % (d // 256, d % 256)))
ins("INSERT INTO actions(id,name,type,action,params,created_ms,updated_ms)"
    " VALUES(1,'mask','hik','privacy_mask.enable','{\"channel\":1}',0,0)")
ins("INSERT INTO action_devices VALUES(1,1)")
# Conditions that the generated alerts (channel 1, region 1, human) never meet.
kinds = [("motion", '{"channel":2}'), ("intrusion", '{"region_id":2}'),
         ("intrusion", '{"target":"vehicle"}'), ("line_crossing", "{}"), ("anpr", "{}")]
t = 0
for d in range(1, 102):
    for event, cond in kinds:
        t += 1
        ins("INSERT INTO triggers(id,name,type,event,conditions,created_ms,updated_ms)"
            " VALUES(?,?,'hik',?,?,0,0)", (t, "trigger-%d" % t, event, cond))
        ins("INSERT INTO trigger_devices VALUES(?,?)", (t, d))
        ins("INSERT INTO scenarios(id,name,trigger_id,enabled,cooldown_s,created_ms,updated_ms)"
            " VALUES(?,?,?,1,0,0,0)", (t, "scenario-%d" % t, t))
        ins("INSERT INTO scenario_actions VALUES(?,1,0)", (t,))
db.commit()
EOF
}

# prepare_template: let the daemon create its schema, secret key and admin
# user once, then seed the configuration into that directory.
prepare_template() {
    mkdir -p "$WORK/template"
    start_daemon "$WORK/template" normal "$WORK/daemon-template.log"
    stop_daemon
    if [ -f "$WORK/template/hikgate.db" ]; then
        seed "$WORK/template"
        SEEDED=yes
    else
        echo "run.sh: no hikgate.db after the first start; running unseeded" >&2
        SEEDED=no
    fi
}

FAILED=0

# run_ingest SYNC MODE: one bench_ingest run, its JSON into the results.
run_ingest() {
    local extra=()
    if [ "$2" = new-connection ]; then
        extra=(--source-base 127.0.0.10 --source-count 8)
    fi
    local out="$WORK/ingest-$1-$2.json"
    echo "== ingest, --sync $1, $2: $EVENTS events, $CONCURRENCY in flight" >&2
    if ! "$BUILD/bench_ingest" --target "127.0.0.1:$INGEST_PORT" --path /hik \
        --events "$EVENTS" --concurrency "$CONCURRENCY" --mode "$2" \
        --duration-limit "$DURATION_LIMIT" "${extra[@]}" --json >"$out"; then
        FAILED=1
    fi
    cat "$out" >&2
    printf '{"sync":"%s","run":%s}\n' "$1" "$(cat "$out")" >>"$WORK/ingest.jsonl"
}

# run_sync SYNC: a fresh daemon on a copy of the template, both modes.
run_sync() {
    rm -rf "$WORK/data-$1"
    cp -a "$WORK/template" "$WORK/data-$1"
    start_daemon "$WORK/data-$1" "$1" "$WORK/daemon-$1.log"
    local t0
    t0=$(cpu_ticks "$DAEMON_PID")
    run_ingest "$1" new-connection
    run_ingest "$1" keep-alive
    local t1 hwm
    t1=$(cpu_ticks "$DAEMON_PID")
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$DAEMON_PID/status")
    stop_daemon
    printf '{"sync":"%s","cpu_s":%s,"vmhwm_kb":%s}\n' "$1" \
        "$(awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }')" \
        "${hwm:-0}" >>"$WORK/daemon.jsonl"
}

run_match() {
    if [ ! -x "$BUILD/bench_match" ]; then
        echo "run.sh: $BUILD/bench_match is missing; skipping the core benchmark" >&2
        echo '{"missing":true}' >"$WORK/match.json"
        FAILED=1
        return
    fi
    echo "== bench_match: $MATCH_ITERATIONS iterations per phase" >&2
    if ! "$BUILD/bench_match" --iterations "$MATCH_ITERATIONS" --json >"$WORK/match.json" \
        2>"$WORK/match.log"; then
        FAILED=1
    fi
    [ -s "$WORK/match.json" ] || echo '{"failed":true}' >"$WORK/match.json"
    cat "$WORK/match.json" >&2
}

SEEDED=no
prepare_template
run_sync full
run_sync normal
run_match

mkdir -p "$(dirname "$OUT")"
python3 "$ROOT/bench/report.py" --work "$WORK" --seeded "$SEEDED" --events "$EVENTS" \
    --concurrency "$CONCURRENCY" --match-iterations "$MATCH_ITERATIONS" >"$OUT"
echo "run.sh: wrote $OUT" >&2
if [ "$FAILED" -ne 0 ]; then
    echo "run.sh: SOME BENCHMARK RUNS FAILED: see the errors column in $OUT" >&2
    exit 1
fi
