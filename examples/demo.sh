#!/usr/bin/env bash
# The main job on the sample component: build it, write its manifest, bundle
# it reproducibly, sign it with a fresh key, inspect and verify it, gate it
# against a host policy, extract it, and finally run it with `wpack run`,
# which grants the component exactly what the policy let through.
set -euo pipefail
cd "$(dirname "$0")/hello"
wpack() { node ../../packages/cli/bin/run.js "$@"; }
step() { printf '\n\033[1m$ wpack %s\033[0m\n' "$*"; }

node ../build-hello.mjs

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

step policy init --world wasi:cli/imports@0.2.3 --key release.pub -o build/host-policy.json --force
wpack policy init --world wasi:cli/imports@0.2.3 --key release.pub -o build/host-policy.json --force

step verify build/hello.wpack --policy build/host-policy.json
if wpack verify build/hello.wpack --policy build/host-policy.json; then
  echo "unexpected: the starting policy grants neither env:APP_* nor filesystem:read:/data" >&2
  exit 1
fi
echo "(exit 1: denied, as it should be — the starting policy grants only what needs no narrowing)"

# The host decides to grant the two narrowed capabilities the component declares.
sed -i 's|^    "allow": \[$|    "allow": [\n      "env:APP_*",\n      "filesystem:read:/data",|' build/host-policy.json
echo '(granted env:APP_* and filesystem:read:/data in build/host-policy.json)'

step verify build/hello.wpack --policy build/host-policy.json
wpack verify build/hello.wpack --policy build/host-policy.json

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
