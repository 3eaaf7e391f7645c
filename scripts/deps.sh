#!/usr/bin/env bash
# Installs the Debian packages hikgate needs to build, run and test.
# Idempotent: asks apt only for what dpkg says is missing.
set -euo pipefail

want=(
    build-essential cmake pkg-config
    libmicrohttpd-dev libcurl4-openssl-dev libxml2-dev libjansson-dev
    libsqlite3-dev libssl-dev libcmocka-dev
    python3 sqlite3 curl
)
if [ "${1:-}" = "--test" ]; then
    # libclang-rt-14-dev holds clang 14's libFuzzer runtime
    # (libclang_rt.fuzzer*.a) next to ASan/UBSan: -fsanitize=fuzzer needs
    # nothing else (libfuzzer-14-dev is the standalone libFuzzer.a, unused).
    want+=(clang clang-14 libclang-rt-14-dev iproute2)
    # Browser tests: Debian's chromium; node and npm unless a node is on PATH.
    want+=(chromium)
    if ! command -v node >/dev/null 2>&1; then
        want+=(nodejs npm)
    fi
fi

missing=()
for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "deps.sh: missing packages (${missing[*]}) and not root: install them or run as root" >&2
        exit 1
    fi
else
    SUDO=
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
