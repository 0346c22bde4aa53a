#!/usr/bin/env bash
# Fails when the committed actions/*/dist (the bundles `uses:` runs) or the schema validators and types
# generated from schemas/ differ from a fresh build.
set -euo pipefail
cd "$(dirname "$0")/.."
npx nx run-many -t build --skip-nx-cache --outputStyle=static >/dev/null
# :(glob) makes * stop at '/' and ** cross it; a bare 'actions/*/dist' would match no file at all.
generated=(':(glob)actions/*/dist/**' 'packages/core/src/config/validators.generated.ts' 'packages/core/src/config/types.generated.ts')
if ! git diff --quiet --exit-code -- "${generated[@]}"; then
  echo "Generated files are stale: they differ from a fresh build. Run 'npm run build' and commit the result." >&2
  git diff --stat -- "${generated[@]}" >&2
  exit 1
fi
untracked=$(git ls-files --others --exclude-standard -- ':(glob)actions/*/dist/**')
if [ -n "$untracked" ]; then
  echo "Untracked bundles under actions/*/dist: commit them:" >&2
  echo "$untracked" >&2
  exit 1
fi
echo "dist is up to date."
