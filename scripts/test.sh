#!/usr/bin/env bash
# The whole test suite (unit + integration + slow). Extra arguments go to 'dotnet test',
# e.g. --filter "Category!=Slow&Category!=Integration" for the fast set alone.
set -uo pipefail
cd "$(dirname "$0")/.."
# The tests run a real RTSP server (GStreamer's, driven by Debian's python3), real mosquitto
# brokers (started by the tests themselves on free loopback ports, with their own configs) and
# Debian's chromium, headless, for the live page; the benchmarks' smoke tests run the Python peer
# (Debian's python3-opencv and python3-paho-mqtt).
bash scripts/setup.sh python3-gi gir1.2-gst-rtsp-server-1.0 \
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly \
  mosquitto chromium python3-opencv python3-paho-mqtt || exit 1
log=$(mktemp)
dotnet test StreamVision.sln -c Release --no-build -nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# One plain closing line for tools that read it.
summary=$(grep -E "^(Passed|Failed)!" "$log" | tail -n 1)
if [[ $summary =~ Failed:\ +([0-9]+),\ Passed:\ +([0-9]+),\ Skipped:\ +([0-9]+) ]]; then
  echo "tests: ${BASH_REMATCH[2]} passed, ${BASH_REMATCH[1]} failed, ${BASH_REMATCH[3]} skipped"
fi
rm -f "$log"
exit "$status"
