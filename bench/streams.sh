#!/usr/bin/env bash
# streams.sh BUILD_DIR: pull delivery at scale. One hiksim serves
# STREAMS_CAMERAS cameras (default 1000) on consecutive loopback addresses;
# one hikgated declares them all as `pull` devices and holds an alertStream
# to each. Measured: how long until every stream is up, the daemon's CPU and
# RSS while only heartbeats flow (idle), then events/s stored while events
# are fired at random cameras, with the CPU and RSS under that load. The
# figures go to bench/streams.json and the "Streams" section of
# docs/BENCHMARKS.md (bench/report.py renders it).
#
# Bounded: STREAMS_IDLE_S (default 20) and STREAMS_LOAD_S (default 20)
# seconds of measurement, every wait has a deadline, at most
# STREAMS_FIRE_RATE (default 200) fire requests per second. Loopback only.
# Environment: STREAMS_CAMERAS, STREAMS_HEARTBEAT_S (default 10, as
# cameras send), STREAMS_KEEP_WORK (set: keep the work directory).
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: bench/streams.sh BUILD_DIR" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CAMERAS=${STREAMS_CAMERAS:-1000}
IDLE_S=${STREAMS_IDLE_S:-20}
LOAD_S=${STREAMS_LOAD_S:-20}
FIRE_RATE=${STREAMS_FIRE_RATE:-200}
HEARTBEAT_S=${STREAMS_HEARTBEAT_S:-10}
FIRST=127.0.100.1
PASSWORD="Bench-cam-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
ADMIN="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

for bin in hikgated hiksim; do
    [ -x "$BUILD/$bin" ] || { echo "streams.sh: $BUILD/$bin is missing: build first" >&2; exit 2; }
done
# each camera costs the simulator a listener, an epoll, an eventfd and the
# stream's socket (hikgated: the socket alone)
ulimit -n "$(ulimit -Hn)"
NEED=$((CAMERAS * 4 + 256))
if [ "$(ulimit -n)" -lt "$NEED" ]; then
    echo "streams.sh: $CAMERAS cameras need about $NEED file descriptors; the limit is $(ulimit -n)" >&2
    exit 2
fi

WORK=$(mktemp -d /tmp/hikgate-streams.XXXXXX)
SIM_PID="" GW_PID=""
cleanup() {
    [ -n "$GW_PID" ] && kill "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null || true
    [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null || true
    [ -n "${STREAMS_KEEP_WORK:-}" ] && echo "streams.sh: work directory $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"
}
SIM_PORT=$(free_port $FIRST)
API_PORT=$(free_port 127.0.0.1)
INGEST_PORT=$(free_port 127.0.0.1)

"$BUILD/hiksim" --listen "$FIRST:$SIM_PORT" --user admin --password "$PASSWORD" \
    --cameras "$CAMERAS" --heartbeat-seconds "$HEARTBEAT_S" --log-level warn \
    2>"$WORK/hiksim.log" &
SIM_PID=$!
for _ in $(seq 1 300); do
    grep -q "hiksim listening" "$WORK/hiksim.log" && break
    kill -0 "$SIM_PID" 2>/dev/null || { cat "$WORK/hiksim.log" >&2; exit 1; }
    sleep 0.1
done
grep -q "hiksim listening" "$WORK/hiksim.log" || { echo "streams.sh: hiksim not ready" >&2; exit 1; }

"$BUILD/hikgated" --data-dir "$WORK/data" --api "127.0.0.1:$API_PORT" \
    --ingest "127.0.0.1:$INGEST_PORT" --admin-password "$ADMIN" --sync normal \
    --log-level warn >"$WORK/hikgated.log" 2>&1 &
GW_PID=$!

python3 "$ROOT/bench/streams_drive.py" --api "127.0.0.1:$API_PORT" --admin "$ADMIN" \
    --pid "$GW_PID" --first "$FIRST" --port "$SIM_PORT" --cameras "$CAMERAS" \
    --password "$PASSWORD" --idle "$IDLE_S" --load "$LOAD_S" --rate "$FIRE_RATE" \
    --heartbeat "$HEARTBEAT_S" --db "$WORK/data/hikgate.db" --out "$WORK/streams.json"

kill "$GW_PID"
wait "$GW_PID" || { echo "streams.sh: hikgated exited unclean" >&2; tail -20 "$WORK/hikgated.log" >&2; }
GW_PID=""
RESULT=$ROOT/bench/streams-$CAMERAS.json
cp "$WORK/streams.json" "$RESULT"
python3 "$ROOT/bench/report.py" --streams-only --doc "$ROOT/docs/BENCHMARKS.md" \
    --streams-dir "$ROOT/bench"
echo "streams.sh: $CAMERAS cameras: $(cat "$RESULT")" >&2
