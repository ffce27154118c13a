#!/bin/sh
# Installs Debian's chromium (/usr/bin/chromium) for the report's browser test (test/report/report-browser.test.ts),
# once. CI runs it in the background from the start (.ci/run); the test's helper (test/support/chromium.ts) runs it on
# first use when Chromium is missing. Both take the same lock, so a test file that starts while CI's install is under
# way waits for it instead of starting a second apt-get, and two test files never install at once.
#
# Needs root and apt-get (Debian, Ubuntu). Exit 0 when /usr/bin/chromium is there afterwards.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
lock=${MODELREG_CHROMIUM_LOCK:-$root/.cache/chromium-install.lock}
mkdir -p "$(dirname "$lock")"
exec 9>> "$lock"
flock 9
if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2> /dev/null || echo present)"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null 2>&1; then
  echo "chromium: not installed, and installing it needs root and apt-get: run apt-get install chromium (Debian) as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Another apt-get outside this lock (an image's own setup) holds dpkg's lock for a while at most: wait for it.
install() { apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends chromium; }
# A fresh image has no package index: the first install fails, and one after apt-get update finds it.
install || { apt-get -o DPkg::Lock::Timeout=600 update && install; }
echo "chromium: $(/usr/bin/chromium --version 2> /dev/null || echo installed)"
