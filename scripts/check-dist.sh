#!/usr/bin/env bash
# Fails when the committed actions/*/dist differs from a fresh build (the bundles `uses:` runs).
set -euo pipefail
cd "$(dirname "$0")/.."
npx nx run-many -t build --skip-nx-cache --outputStyle=static >/dev/null
if ! git diff --quiet --exit-code -- 'actions/*/dist'; then
  echo "actions/*/dist is stale: it differs from a fresh build. Run 'npm run build' and commit the result." >&2
  git diff --stat -- 'actions/*/dist' >&2
  exit 1
fi
untracked=$(git ls-files --others --exclude-standard -- 'actions/*/dist')
if [ -n "$untracked" ]; then
  echo "Untracked bundles under actions/*/dist: commit them:" >&2
  echo "$untracked" >&2
  exit 1
fi
echo "dist is up to date."
