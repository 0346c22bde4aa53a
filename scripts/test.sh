#!/usr/bin/env bash
# README's test command. On a fresh machine it installs everything the tests need (Debian packages,
# npm packages), then runs lint, typecheck, the dist check, and unit and end-to-end tests.
# Servers the tests need (the OCI registry, the GitHub API simulator) are started on 127.0.0.1 by the
# tests' global setup and stopped when they end.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v git >/dev/null || missing+=(git)
command -v python3 >/dev/null || missing+=(python3)
command -v skopeo >/dev/null || missing+=(skopeo)
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v curl >/dev/null || missing+=(curl)
command -v openssl >/dev/null || missing+=(openssl)
# The pytorch template's train and eval really run in the tests, on the CPU, with Debian's PyTorch
# (for /usr/bin/python3; the tests put it first on PATH for the generated project). `script` (bsdutils)
# drives the interactive `slipway new` through a pseudo-terminal.
/usr/bin/python3 -c 'import torch' 2>/dev/null || missing+=(python3-torch)
command -v script >/dev/null || missing+=(bsdutils)
# A static busybox: the tests build a tiny base image from it for the KServe modelcar (no network to pull one).
dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# `npm ci` installs exactly what package-lock.json pins, from scratch, and refuses a lock out of sync with
# package.json. The lock lists every platform's native binaries (biome, nx, esbuild…), which an `npm install`
# run over an existing node_modules can leave out; test/contract/lockfile.test.ts keeps it complete.
npm ci --no-audit --no-fund
export NX_DAEMON=false
npm run lint
npm run typecheck
npm run check-dist
npm test
