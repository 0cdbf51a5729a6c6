#!/usr/bin/env bash
# Every benchmark, one after another, with the arguments the README's Performance table quotes.
# Reports (JSON, markdown tables, PNG plots) go to OUT (default bench-out).
#
#   dotnet build -c Release && benchmarks/run-all.sh [OUT] [--with-soak]
#
# About 25 minutes on 2 cores; --with-soak adds the 30-minute soak over RTSP (benchmarks/soak-rtsp.sh).
# Needs ffmpeg, python3-opencv and python3-paho-mqtt (the Python peer), and ../shared (models, clips).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-bench-out}"
shared="${STREAMVISION_SHARED:-$here/../shared}"
bench=(dotnet "$here/benchmarks/StreamVision.Benchmarks/bin/Release/net10.0/streamvision-bench.dll")
person="$shared/videos/one-by-one-person-detection.mp4"
car="$shared/videos/car-detection.mp4"
models="$shared/models"
mkdir -p "$out"

"${bench[@]}" decode --clip "$person" --threads 2 --repeat 3 --json "$out/decode.json" | tee "$out/decode.md"
"${bench[@]}" limit --clip "$person" --model selfie_segmentation --models-dir "$models" --repeat 3 --json "$out/limit.json" | tee "$out/limit.md"
"${bench[@]}" peer --clip "$car" --model road_segmentation_adas_0001 --models-dir "$models" --repeat 1 --out "$out/peer-road"
"${bench[@]}" peer --clip "$car" --repeat 3 --out "$out/peer-reference"
"${bench[@]}" live --clip "$person" --model deeplab_v3_mobilenet_voc --models-dir "$models" --seconds 600 --out "$out"
"${bench[@]}" scaling --clip "$person" --model deeplab_v3_mobilenet_voc --models-dir "$models" --cameras 1 2 4 8 --seconds 60 --out "$out"
"${bench[@]}" videollm --frames 240 --minutes 60 --budget-mb 4 --out "$out/videollm-no-offload"
"${bench[@]}" videollm --frames 240 --minutes 60 --budget-mb 4 --offload-host-mb 1 --offload-disk-mb 16 --out "$out"
"${bench[@]}" micro --clip "$car" --out "$out/micro"
if [[ "${2:-}" == "--with-soak" ]]; then
    "$here/benchmarks/soak-rtsp.sh" 30 "$out"
fi
