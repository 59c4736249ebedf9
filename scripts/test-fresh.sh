#!/usr/bin/env bash
# Everything the test suite needs, on a fresh Debian machine, then every test:
# Debian's docker-registry (CNCF Distribution), skopeo, apache2-utils
# (htpasswd) and openssl when missing, then `npm install` (see README: why not
# `npm ci`) and `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || need+=(skopeo)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing ${need[*]} with apt-get"
  $sudo apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
fi

npm install --no-audit --no-fund
npm test
