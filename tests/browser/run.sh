#!/bin/sh
# Runs the browser tests for ctest: skips (exit 77) only when node or
# Debian's chromium is absent; installs playwright-core from the lock file
# when node_modules is missing (it never downloads a browser).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
chromium=${HIKGATE_CHROMIUM:-/usr/bin/chromium}
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "SKIP: node/npm not found (scripts/deps.sh --test installs them)"
    exit 77
fi
if [ ! -x "$chromium" ]; then
    echo "SKIP: $chromium not found (scripts/deps.sh --test installs Debian's chromium)"
    exit 77
fi
cd "$here"
if [ ! -d node_modules/playwright-core ]; then
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi
exec node --test --test-concurrency=1 --test-timeout=60000 ui.test.js
