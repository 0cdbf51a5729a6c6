#!/usr/bin/env bash
# The main job on its embedded default: synthetic camera → reference segmentation model →
# embedded MQTT broker on 127.0.0.1:1883, one summary line per second, stops after 10 s.
# Any streamvision 'run' option may follow, e.g. --forever, --duration 30, --config FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec dotnet src/Host/bin/Release/net10.0/streamvision.dll run "$@"
