#!/usr/bin/env bash
# Lints the Dockerfiles with dockerfilelint (pinned in tools/dockerlint, from the npm registry):
# no Docker engine runs on the build machines, so this is how the images are kept honest.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix tools/dockerlint --silent --no-audit --no-fund
for dockerfile in docker/Dockerfile.*; do
  tools/dockerlint/node_modules/.bin/dockerfilelint "$dockerfile"
done
