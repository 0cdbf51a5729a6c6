#!/usr/bin/env bash
# Installs what StreamVision needs on Debian 12 / Ubuntu beside the .NET 10 SDK, then builds.
# Idempotent: a second run only checks and does an incremental build.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages (extra ones may be passed as arguments; scripts/test.sh adds the test servers):
#   libgtk-3-0        the OpenCvSharp4 official Linux runtime links against GTK 3 (highgui)
#   libatomic1        ... and against libatomic (not in a minimal Debian; NativeDependencyTests
#                     checks every library the native parts need against this list)
#   ffmpeg            decodes RTSP cameras and V4L2 devices (a supervised ffmpeg process per camera)
#   mosquitto-clients mosquitto_sub, to watch results from a shell (README)
apt_packages=(libgtk-3-0 libatomic1 ffmpeg mosquitto-clients)
apt_extra=("$@")
missing=()
for p in "${apt_packages[@]}" "${apt_extra[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK is required (https://dotnet.microsoft.com/download); 'dotnet' is not on PATH." >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
build_log=$(mktemp)
if ! dotnet build StreamVision.sln -c Release -nologo -v:quiet -tl:off >"$build_log" 2>&1; then
  cat "$build_log" >&2
  rm -f "$build_log"
  echo "setup: build failed (output above)." >&2
  exit 1
fi
rm -f "$build_log"
