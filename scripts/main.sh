#!/usr/bin/env bash
# README's main-job command: the Slipway loop on the shipped example project, on embedded defaults —
# no accounts, no network. Installs npm packages when they are missing, builds the CLI, then runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/node ] || npm ci --no-audit --no-fund
export PATH="$PWD/node_modules/.bin:$PATH" NX_DAEMON=false
[ -f packages/cli/dist/slipway.js ] && [ -z "$(find packages/cli/src packages/core/src -newer packages/cli/dist/slipway.js -print -quit)" ] ||
  (cd packages/cli && npm run build --silent)
slipway() { node packages/cli/dist/slipway.js "$@"; }

echo "== 1. validate the example project's config"
slipway validate examples/iris/slipway.yaml

echo
echo "== 2. evaluate it: metrics per test set and slice, gated on the thresholds in slipway.yaml"
slipway eval --config examples/iris/slipway.yaml --out .slipway/main/eval-report.json

echo
echo "== 3. publish it as a ModelPack OCI artifact, eval report attached (embedded default: an OCI layout on disk)"
slipway publish --config examples/iris/slipway.yaml --layout .slipway/main/oci --report .slipway/main/eval-report.json \
  --created 2026-01-01T00:00:00Z
