#!/usr/bin/env bash
# The soak benchmark over RTSP: a real RTSP server (GStreamer's, from Debian packages, as the tests
# use) serves a clip long enough for the run, and the service reads it like a camera with every
# stage on, publishing over MQTT, while its memory is sampled.
#
#   benchmarks/soak-rtsp.sh [MINUTES] [OUT]        (default 30 minutes, bench-out)
#
# Needs: ffmpeg, python3-gi, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-{base,good,bad}
# (scripts/setup.sh installs them) and a Release build (dotnet build -c Release).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
minutes="${1:-30}"
out="${2:-bench-out}"
shared="${STREAMVISION_SHARED:-$here/../shared}"
clip="$shared/videos/car-detection.mp4"
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

# The shared clip runs 30 s; repeat it (no re-encoding) so one RTSP session outlasts the run.
loops=$(( (minutes * 60) / 30 + 2 ))
ffmpeg -v error -y -stream_loop "$loops" -i "$clip" -c copy "$work/long.mp4"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
/usr/bin/python3 "$here/tests/StreamVision.Tests/Rtsp/rtsp_server.py" "$port" "/soak=$work/long.mp4" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do grep -q READY "$work/server.log" && break; sleep 0.2; done
grep -q READY "$work/server.log" || { cat "$work/server.log" >&2; exit 1; }

dotnet "$here/benchmarks/StreamVision.Benchmarks/bin/Release/net10.0/streamvision-bench.dll" soak \
    --source "rtsp://127.0.0.1:$port/soak" --minutes "$minutes" --models-dir "$shared/models" --out "$out"
