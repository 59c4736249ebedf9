#!/usr/bin/env bash
# The step of the wpack GitHub Action (action.yml): install wpack, run the
# gate once, and hand its verdict to the workflow.
#
# Inputs come as INPUT_BUNDLE, INPUT_POLICY, INPUT_FORMAT (sarif | json) and
# INPUT_VERSION (another wpack release, built from the project's repository
# at its tag; empty: the wpack of this action's own checkout, built on first
# use). WPACK, when set, names the
# wpack to run instead (an executable).
#
# One `wpack verify` run gives everything: the text report on stdout (the
# log) with annotations, the job summary (GITHUB_STEP_SUMMARY), the --json
# report in a file (read here for the outputs) and, for format sarif, the
# SARIF report (--sarif-output), in a directory of its own under RUNNER_TEMP.
# Writes to GITHUB_OUTPUT: verified, digest, oci-digest, report, sarif (the
# SARIF file, for the upload step; empty when none was written) and category
# (wpack-gate/<the bundle without tag or digest>, for code scanning). Exits with wpack's exit code: 0 pass (also in the
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
    # Another release of wpack, built from the project's own repository at its tag. No package is
    # published under a name the project owns, so nothing is installed from a registry.
    if [[ ! $INPUT_VERSION =~ ^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
      echo "::error title=wpack gate::version is a release such as 1.2.0, not '$INPUT_VERSION'"
      exit 2
    fi
    tag=v${INPUT_VERSION#v}
    repo=$(node -p 'require(process.argv[1]).homepage' "$here/../packages/cli/package.json")
    src=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/wpack-$tag
    if [[ ! -f $src/packages/cli/oclif.manifest.json ]]; then
      rm -rf "$src"
      git clone --quiet --depth 1 --branch "$tag" "$repo" "$src" >&2
      (cd "$src" && npm install --no-fund --no-audit) >&2
    fi
    WPACK=$src/packages/cli/bin/run.js
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

# A directory of this run's own: two gate steps in one job keep their reports apart.
dir=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/wpack-gate.XXXXXX")
verdict="$dir/wpack-verify.json"
sarif="$dir/wpack.sarif"
# The code scanning category: the bundle without its tag or digest, so a new release of the same
# bundle updates its alerts, and another bundle gated in the same workflow keeps its own.
name=${bundle%%@*}
last=${name##*/}
if [[ $last == *:* ]]; then name=${name%:*}; fi
echo "category=wpack-gate/$name" >>"$output"
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
