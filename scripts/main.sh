#!/usr/bin/env bash
# README's main-job command: the whole Slipway story on embedded defaults — no accounts, no network.
# Generates a project and its environment repository from the templates, trains the model, evaluates it
# against its gates, publishes it into an OCI layout, and proposes it to dev as a pull request against the
# generated environment repository (the KServe modelcar, pinned by digest), served by a local GitHub API.
# Installs npm packages when missing and builds the CLI first.
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
root=$PWD
slipway() { node "$root/packages/cli/dist/slipway.js" "$@"; }
field() { node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]])' "$@"; }

# Each run starts from an empty output folder: the artifact records the commit it was built from.
out=.slipway/main
rm -rf "$out" && mkdir -p "$out"
project=$out/churn-model
environments=$out/ml-environments

echo "== 1. generate a project from the classification template (the same generator as npm create slipway)"
(cd "$out" && slipway new churn-model --template classification --org acme --yes) | sed 's/^/  /'

echo
echo "== 2. generate its environment repository from the environments template (rendered from environments/)"
(cd "$out" && slipway new ml-environments --template environments --org acme --name churn-model --no-git --yes) |
  sed -n '1p' | sed 's/^/  /'

echo
echo "== 3. train it: train.command of slipway.yaml, and a training record that travels with the model"
(cd "$project" && slipway train) 2>&1 | sed 's/^/  /'

echo
echo "== 4. validate the generated project's config (its model files now exist)"
slipway validate "$project/slipway.yaml"

echo
echo "== 5. evaluate it: metrics per test set and slice, gated on the thresholds in slipway.yaml"
slipway eval --config "$project/slipway.yaml" --out "$out/eval-report.json"

echo
echo "== 6. publish it as a ModelPack OCI artifact, eval report attached (embedded default: an OCI layout on disk),"
echo "   and beside it the KServe modelcar image that serves it (the files under /models on a busybox base)"
node scripts/bundle.ts scripts/busybox-base.ts "$out/busybox-base.mjs"
base=$(node "$out/busybox-base.mjs" "$out/base" static)
slipway publish --config "$project/slipway.yaml" --layout "$out/oci" --report "$out/eval-report.json" \
  --modelcar-base "$base" --created 2026-01-01T00:00:00Z --json >"$out/published.json"
report_digest=$(field "$out/published.json" reportDigest)
modelcar_digest=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).modelcar.digest)' "$out/published.json")
echo "  $(field "$out/published.json" reference)"
echo "  eval report attached as a referrer: $report_digest"
echo "  KServe modelcar: $(field "$out/published.json" servingReference)"

echo
echo "== 7. propose it to dev as a pull request against the generated environment repository"
echo "   (a local GitHub API — Slipway's simulator, held to GitHub's OpenAPI description — serves it)"
node scripts/bundle.ts scripts/local-github.ts "$out/local-github.mjs"
coproc GITHUB { exec node "$out/local-github.mjs" acme/ml-environments "$environments"; }
github_pid=$GITHUB_PID
github_out=${GITHUB[0]}
trap 'kill -TERM "$github_pid" 2>/dev/null || true' EXIT
read -r -u "$github_out" served
echo "$served" >"$out/served.json"
api_url=$(field "$out/served.json" url)
git_dir=$(field "$out/served.json" gitDir)
GITHUB_TOKEN=local-demo-token slipway propose --config "$project/slipway.yaml" --api-url "$api_url" \
  --reference "localhost/acme/models/churn-model@$(field "$out/published.json" digest)" \
  --serving-reference "localhost/acme/models/churn-model@$modelcar_digest" \
  --eval-report "$out/eval-report.json" --eval-report-digest "$report_digest"
echo
echo "The proposal branch, as git sees it:"
git --git-dir "$git_dir" log --format='  %h %s' main..slipway/dev/churn-model
git --git-dir "$git_dir" diff main slipway/dev/churn-model | sed 's/^/  /'

echo
echo "== 8. merging is deploying: the scheduled promoter sets the dev PR's gates, and GitHub's auto-merge merges it"
envrepo=acme/ml-environments
promote() { GITHUB_TOKEN=local-demo-token slipway promote --repository "$envrepo" --api-url "$api_url" "$@" 2>/dev/null; }
# Argo CD Notifications' GitHub service: after syncing a commit, it posts the application's health on it.
argocd_reports() {
  node --input-type=module -e '
const [api, repo, sha, context] = process.argv.slice(1);
const res = await fetch(`${api}/repos/${repo}/statuses/${sha}`, {
  method: "POST",
  headers: { authorization: "token sim-as-argocd", accept: "application/vnd.github+json", "content-type": "application/json" },
  body: JSON.stringify({ state: "success", context, description: "Healthy and synced" }),
});
if (!res.ok) { console.error(`POST statuses: ${res.status} ${await res.text()}`); process.exit(1); }' "$api_url" "$envrepo" "$1" "$2"
}
# A reviewer merging a pull request (branch protection decides whether it may).
merge_as() {
  node --input-type=module -e '
const [api, repo, login, head] = process.argv.slice(1);
const headers = { authorization: `token sim-as-${login}`, accept: "application/vnd.github+json", "content-type": "application/json" };
const pulls = await (await fetch(`${api}/repos/${repo}/pulls?state=open`, { headers })).json();
const pull = pulls.find((p) => p.head.ref === head);
if (!pull) { console.error(`no open pull request from ${head}`); process.exit(1); }
const res = await fetch(`${api}/repos/${repo}/pulls/${pull.number}/merge`, { method: "PUT", headers, body: JSON.stringify({ merge_method: "squash" }) });
if (!res.ok) { console.error(`merge #${pull.number}: ${res.status} ${await res.text()}`); process.exit(1); }
console.log(`  ${login} merged #${pull.number} (${pull.title})`);' "$api_url" "$envrepo" "$1" "$2"
}
promote | sed 's/^/  /'
echo "  main is now $(git --git-dir "$git_dir" log -1 --format='%h %s' main)"
argocd_reports "$(git --git-dir "$git_dir" rev-parse main)" argocd/ml-dev
echo "  Argo CD reported argocd/ml-dev healthy on that commit"

echo
echo "== 9. the push of that merge promotes it: a staging PR carrying dev's exact record, gated by verification and soak"
promote | sed 's/^/  /'
later=$(node -e 'console.log(new Date(Date.now() + 3 * 3600e3).toISOString())')
echo "  …three hours later (past staging's 2h soak), the scheduled run:"
promote --now "$later" | sed 's/^/  /'
merge_as alice slipway/staging/churn-model
argocd_reports "$(git --git-dir "$git_dir" rev-parse main)" argocd/ml-staging
echo "  the push of the staging merge proposes prod, as a draft that only a person marks ready:"
promote --now "$later" | sed 's/^/  /'

echo
echo "== 10. every environment now, and the audit log the repository's history keeps"
GITHUB_TOKEN=local-demo-token slipway status --repository "$envrepo" --api-url "$api_url" | sed 's/^/  /'
for env in dev staging; do
  echo
  GITHUB_TOKEN=local-demo-token slipway history "$env" --repository "$envrepo" --api-url "$api_url" | sed 's/^/  /'
done

echo
kill -TERM "$github_pid"
cat <&"$github_out" || true
wait "$github_pid" 2>/dev/null || true
trap - EXIT
