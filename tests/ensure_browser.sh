#!/usr/bin/env bash
# The browser tests (tests/test_report_browser.py) drive Debian's Chromium through Playwright.
# Playwright's own browser download cannot work here, so install the distribution's package,
# only when it is missing (CI and developers run as root).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_browser: /usr/bin/chromium is missing and apt-get is not available; the browser tests will be skipped" >&2
    exit 0
fi
run_as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
        echo "ensure_browser: installing chromium needs root (apt-get install chromium)" >&2; return 1; fi
}
export DEBIAN_FRONTEND=noninteractive
run_as_root apt-get update -q >/dev/null
run_as_root apt-get install -y -q --no-install-recommends chromium >/dev/null
echo "ensure_browser: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
