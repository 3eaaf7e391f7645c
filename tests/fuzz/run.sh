#!/usr/bin/env bash
# run.sh BUILD_DIR SECONDS: build the libFuzzer targets with clang, seed
# their corpora from real captures (make_corpus.py), run each target for
# SECONDS, print executions and coverage per target, and exit non-zero when
# any target crashed, leaked, timed out or broke an invariant.
#
# Corpora grow in BUILD_DIR/fuzz-corpus/<target> and are kept between runs;
# a crashing input is saved in BUILD_DIR/fuzz-artifacts/<target>/ and the
# full log in BUILD_DIR/fuzz-logs/<target>.log.
set -uo pipefail

if [ $# -ne 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]] || [ "$2" -lt 1 ]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build=$1
secs=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
targets=(fuzz_event_xml fuzz_event_json fuzz_multipart fuzz_event_body fuzz_alert_stream fuzz_sadp
    fuzz_digest)

CC=${FUZZ_CC:-clang} cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHIK_FUZZ=ON -DHIK_TESTS=OFF >/dev/null || exit 2
cmake --build "$build" --target hik_fuzz -j "${FUZZ_JOBS:-2}" >/dev/null || {
    echo "run.sh: building the fuzz targets failed" >&2
    exit 2
}
python3 "$root/tests/fuzz/make_corpus.py" "$build/fuzz-corpus" || exit 2

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$build/fuzz-logs"
failed=0
rows=()
for t in "${targets[@]}"; do
    log="$build/fuzz-logs/$t.log"
    mkdir -p "$build/fuzz-artifacts/$t"
    echo "run.sh: $t for ${secs}s" >&2
    "$build/tests/fuzz/$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 -dict="$root/tests/fuzz/hik.dict" \
        -artifact_prefix="$build/fuzz-artifacts/$t/" "$build/fuzz-corpus/$t" >"$log" 2>&1
    rc=$?
    stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
    last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
    cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.*corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
    result=ok
    if [ "$rc" -ne 0 ]; then
        result="FAILED (exit $rc)"
        failed=1
        echo "---- $t: last lines of $log" >&2
        tail -n 40 "$log" >&2
    fi
    rows+=("$(printf '%-16s %6ss %12s %8s %6s %7s %7s %6s  %s' "$t" "$secs" \
        "$(stat number_of_executed_units)" "$(stat average_exec_per_sec)" "${cov:-?}" \
        "${ft:-?}" "${corp:-?}" "$(stat peak_rss_mb)" "$result")")
done

printf '%-16s %7s %12s %8s %6s %7s %7s %6s  %s\n' target time execs exec/s cov ft corpus rss_mb \
    result
printf '%s\n' "${rows[@]}"
exit $failed
