#!/usr/bin/env bash
# The browser tests drive Debian's Chromium. Install it when it is missing and we may
# (root, apt reachable); otherwise say so and go on: those tests then report as skipped.
set -uo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
    echo "install-chromium: not root or no apt-get; the browser tests will be skipped" >&2
    exit 0
fi
echo "install-chromium: apt-get install chromium (for the browser tests)" >&2
if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; }; } >/dev/null; then
    echo "install-chromium: could not install chromium; the browser tests will be skipped" >&2
fi
exit 0
