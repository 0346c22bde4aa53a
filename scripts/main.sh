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
