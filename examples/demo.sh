#!/usr/bin/env bash
# The main job on the sample component: build it, write its manifest, bundle
# it reproducibly, sign it with a fresh key, inspect and verify it, write the
# host policy that fits it and pass the gate with no warning, extract it, and
# run it with `wpack run`, which grants the component exactly what the policy
# let through. Then the denials: a directory the manifest never declared, and
# a host policy that grants less than the component declares.
set -euo pipefail
cd "$(dirname "$0")/hello"
wpack() { node ../../packages/cli/bin/run.js "$@"; }
step() { printf '\n\033[1m$ wpack %s\033[0m\n' "$*"; }

node ../build-hello.mjs

# What the component imports, who built it, and what init will make of it.
step inspect build/hello.wasm
wpack inspect build/hello.wasm

step init build/hello.wasm --name acme:hello --version 1.0.0 --force
wpack init build/hello.wasm --name acme:hello --version 1.0.0 --force

# A resource ships inside the bundle next to the component.
node -e '
  const fs = require("fs");
  const m = JSON.parse(fs.readFileSync("wpack.json", "utf8"));
  m.resources = [{ path: "greetings.txt", mediaType: "text/plain" }];
  fs.writeFileSync("wpack.json", JSON.stringify(m, null, 2) + "\n");'
echo "(added greetings.txt to wpack.json's resources)"

step bundle . -o build/hello.wpack
SOURCE_DATE_EPOCH=1700000000 wpack bundle . -o build/hello.wpack
first=$(sha256sum build/hello.wpack | cut -d' ' -f1)
SOURCE_DATE_EPOCH=1700000000 wpack bundle . -o build/again.wpack >/dev/null
second=$(sha256sum build/again.wpack | cut -d' ' -f1)
[ "$first" = "$second" ] && echo "reproducible: two builds, same sha256 $first"

step keygen -o build/release --force
wpack keygen -o build/release --force

step sign build/hello.wpack --key build/release.key
wpack sign build/hello.wpack --key build/release.key

step inspect build/hello.wpack
wpack inspect build/hello.wpack

step verify build/hello.wpack --key build/release.pub
wpack verify build/hello.wpack --key build/release.pub

# The policy that fits this bundle: its world at the WASI version it imports,
# exactly the capabilities it declares, and its signer's key.
step policy init --from build/hello.wpack --key release.pub -o build/host-policy.json --force
wpack policy init --from build/hello.wpack --key release.pub -o build/host-policy.json --force

step verify build/hello.wpack --policy build/host-policy.json
report=$(wpack verify build/hello.wpack --policy build/host-policy.json)
printf '%s\n' "$report"
case "$report" in
  *"0 errors, 0 warnings"*) ;;
  *) echo "unexpected: the happy path should pass with no warning" >&2; exit 1 ;;
esac

step extract build/hello.wpack build/extracted --policy build/host-policy.json --force
wpack extract build/hello.wpack build/extracted --policy build/host-policy.json --force
ls -R build/extracted

# wpack as the loader: the gate again, then the component in-process with
# exactly what it was granted: /data read-only (the host's examples/hello),
# the one APP_ variable handed over, nothing else of the host.
step run build/hello.wpack --policy build/host-policy.json --quiet --dir .::/data --env APP_STYLE=loud -- Ada
wpack run build/hello.wpack --policy build/host-policy.json --quiet --dir .::/data --env APP_STYLE=loud -- Ada

# Asking for more than the manifest declares is refused before anything runs.
step run build/hello.wpack --policy build/host-policy.json --quiet --dir .::/etc -- Ada
if wpack run build/hello.wpack --policy build/host-policy.json --quiet --dir .::/etc -- Ada; then
  echo "unexpected: /etc lies in no filesystem capability of the manifest" >&2
  exit 1
fi
echo "(exit 2: /etc is not a path the manifest declares, so nothing ran)"

# The denial the gate exists for: a host that implements the world but grants
# only what needs no narrowing refuses a component that wants /data and APP_*.
step policy init --world wasi:cli/command --key release.pub -o build/strict-policy.json --force
wpack policy init --world wasi:cli/command --key release.pub -o build/strict-policy.json --force

step verify build/hello.wpack --policy build/strict-policy.json
if wpack verify build/hello.wpack --policy build/strict-policy.json; then
  echo "unexpected: the strict policy grants neither env:APP_* nor filesystem:read:/data" >&2
  exit 1
fi
echo "(exit 1: denied, and every failure names the capability and the fix)"
