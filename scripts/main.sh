#!/usr/bin/env bash
# README's main-job command: the Slipway loop on the shipped example project, on embedded defaults —
# no accounts, no network. Installs npm packages when they are missing, builds the CLI, then runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
# Exactly what package-lock.json pins (see scripts/test.sh).
[ -x node_modules/.bin/node ] || npm ci --no-audit --no-fund
# Debian's static busybox: the base of the KServe modelcar image, built locally (no network to pull one).
if ! dpkg -s busybox-static >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends busybox-static >/dev/null
fi
export PATH="$PWD/node_modules/.bin:$PATH" NX_DAEMON=false
[ -f packages/cli/dist/slipway.js ] && [ -z "$(find packages/cli/src packages/core/src -newer packages/cli/dist/slipway.js -print -quit)" ] ||
  (cd packages/cli && npm run build --silent)
slipway() { node packages/cli/dist/slipway.js "$@"; }

# Each run starts from an empty output folder: the artifact records the commit it was built from.
rm -rf .slipway/main && mkdir -p .slipway/main

echo "== 1. validate the example project's config"
slipway validate examples/iris/slipway.yaml

echo
echo "== 2. evaluate it: metrics per test set and slice, gated on the thresholds in slipway.yaml"
slipway eval --config examples/iris/slipway.yaml --out .slipway/main/eval-report.json

echo
echo "== 3. publish it as a ModelPack OCI artifact, eval report attached (embedded default: an OCI layout on disk),"
echo "   and beside it the KServe modelcar image that serves it (the files under /models on a busybox base)"
node scripts/bundle.ts scripts/busybox-base.ts .slipway/main/busybox-base.mjs
base=$(node .slipway/main/busybox-base.mjs .slipway/main/base static)
slipway publish --config examples/iris/slipway.yaml --layout .slipway/main/oci --report .slipway/main/eval-report.json \
  --modelcar-base "$base" --created 2026-01-01T00:00:00Z --json >.slipway/main/published.json
field() { node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]])' "$@"; }
report_digest=$(field .slipway/main/published.json reportDigest)
echo "  $(field .slipway/main/published.json reference)"
echo "  eval report attached as a referrer: $report_digest"
echo "  $(field .slipway/main/published.json bytesUploaded) bytes written, $(field .slipway/main/published.json bytesSkipped) already there"
modelcar_digest=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).modelcar.digest)' .slipway/main/published.json)
echo "  KServe modelcar: $(field .slipway/main/published.json servingReference)"

echo
echo "== 4. propose it to the dev environment as a pull request against the environment repo"
echo "   (a local GitHub API — Slipway's simulator, held to GitHub's OpenAPI description — serves environments/)"
mkdir -p .slipway/main
node scripts/bundle.ts scripts/local-github.ts .slipway/main/local-github.mjs
coproc GITHUB { exec node .slipway/main/local-github.mjs acme/ml-environments environments; }
github_pid=$GITHUB_PID
github_out=${GITHUB[0]}
trap 'kill -TERM "$github_pid" 2>/dev/null || true' EXIT
read -r -u "$github_out" served
echo "$served" >.slipway/main/served.json
api_url=$(field .slipway/main/served.json url)
git_dir=$(field .slipway/main/served.json gitDir)
GITHUB_TOKEN=local-demo-token slipway propose --config examples/iris/slipway.yaml --api-url "$api_url" \
  --model iris --reference "localhost/acme/models/iris-classifier@$modelcar_digest" \
  --eval-report .slipway/main/eval-report.json --eval-report-digest "$report_digest"
echo
echo "The proposal branch, as git sees it:"
git --git-dir "$git_dir" log --format='  %h %s' main..slipway/dev/iris
git --git-dir "$git_dir" diff main slipway/dev/iris | sed 's/^/  /'
echo
kill -TERM "$github_pid"
cat <&"$github_out" || true
wait "$github_pid" 2>/dev/null || true
trap - EXIT
