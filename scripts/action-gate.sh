#!/usr/bin/env bash
# The step of the wpack GitHub Action (action.yml): install wpack, run the
# gate once, and hand its verdict to the workflow.
#
# Inputs come as INPUT_BUNDLE, INPUT_POLICY, INPUT_FORMAT (sarif | json) and
# INPUT_VERSION (a published wpack to install from npm; empty: the wpack of
# this action's own checkout, built on first use). WPACK, when set, names the
# wpack to run instead (an executable).
#
# One `wpack verify` run gives everything: the text report on stdout (the
# log) with annotations, the job summary (GITHUB_STEP_SUMMARY), the --json
# report in a file (read here for the outputs) and, for format sarif, the
# SARIF report (--sarif-output). Writes to GITHUB_OUTPUT: verified, digest,
# oci-digest, report, and sarif (the SARIF file, for the upload step; empty
# when none was written). Exits with wpack's exit code: 0 pass (also in the
# policy's mode: warn), 1 denied, 2 bad input, 3 registry or network failure.
set -euo pipefail

bundle=${INPUT_BUNDLE:?the bundle input is required}
policy=${INPUT_POLICY:?the policy input is required}
format=${INPUT_FORMAT:-sarif}
output=${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: not running in GitHub Actions}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

case $format in
  sarif | json) ;;
  *)
    echo "::error title=wpack gate::format is sarif or json, not '$format'"
    exit 2
    ;;
esac

if [[ -z ${WPACK:-} ]]; then
  if [[ -n ${INPUT_VERSION:-} ]]; then
    npm install --global --no-fund --no-audit "wpack@$INPUT_VERSION" >&2
    WPACK=wpack
  else
    # By default, wpack from this action's own checkout (the release that `uses:` names), installed and
    # built on the job's first use: `npm install` runs the build (prepare), which writes the oclif manifest.
    root=$(cd "$here/.." && pwd)
    if [[ ! -f $root/packages/cli/oclif.manifest.json ]]; then
      (cd "$root" && npm install --no-fund --no-audit) >&2
    fi
    WPACK=$root/packages/cli/bin/run.js
  fi
fi

dir=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
verdict="$dir/wpack-verify.json"
sarif="$dir/wpack.sarif"
rm -f "$verdict" "$sarif"
args=(verify "$bundle" --policy "$policy" --format json --output "$verdict")
if [[ $format == sarif ]]; then args+=(--sarif-output "$sarif"); fi

status=0
"$WPACK" "${args[@]}" || status=$?

# A verdict (pass or deny) writes both files; bad input or a network failure neither.
if [[ -f $verdict ]]; then
  node -e '
    const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    console.log(`verified=${String(r.verified)}`);
    console.log(`digest=${r.digest}`);
    console.log(`oci-digest=${r.ociDigest ?? ""}`);
  ' "$verdict" >>"$output"
  if [[ $format == sarif ]]; then report=$sarif; else report=$verdict; fi
  echo "report=$report" >>"$output"
fi
if [[ -f $sarif ]]; then echo "sarif=$sarif" >>"$output"; else echo "sarif=" >>"$output"; fi
exit "$status"
