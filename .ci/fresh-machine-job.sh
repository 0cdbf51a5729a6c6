#!/usr/bin/env bash
# Runs inside ../shared/tools/fresh-machine.sh: a fresh Debian 12 (minbase) with only the .NET SDK,
# on a fresh clone of HEAD. What a newcomer meets, in the order they meet it.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

step() { echo; echo "=== fresh machine: $*"; }

# 1. Before anything is installed, the native libraries cannot load: the service must say which
#    libraries, from which packages, in one line with exit code 2 (not a stack trace).
step "built but nothing installed: the missing native libraries are one line, exit 2"
dotnet build src/Host/StreamVision.Host.csproj -c Release -nologo -v:quiet -tl:off || exit 1
err=$(mktemp)
dotnet src/Host/bin/Release/net10.0/streamvision.dll run --duration 1 --http-port -1 2>"$err"
code=$?
cat "$err"
if [ "$code" -ne 2 ] || [ "$(grep -c . "$err")" -ne 1 ] || ! grep -q "sudo apt-get install .*libatomic1" "$err"; then
  echo "fresh machine: expected exit 2 and one line naming libatomic1's package, got exit $code (above)"; exit 1
fi

# 2. The README's first command: results must flow.
step "bash scripts/demo.sh"
out=$(mktemp)
bash scripts/demo.sh 2>&1 | tee "$out"
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "fresh machine: scripts/demo.sh failed"; exit 1; }
grep -Eq "segmentation out [1-9][0-9.]* fps" "$out" && grep -Eq "mqtt up sent [1-9]" "$out" \
  || { echo "fresh machine: scripts/demo.sh ran but no results flowed"; exit 1; }

# 3. The README's test command.
step "bash scripts/test.sh"
bash scripts/test.sh
