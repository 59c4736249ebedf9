// Shell completion through @oclif/plugin-autocomplete, run as a user would
// without a TTY: the setup instructions, and the bash script they name,
// sourced into bash, completing commands and flags.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runProcess, runWpack, WPACK_BIN } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

let home: { dir: string; cleanup: () => Promise<void> };
/** The completion cache goes to a scratch HOME, not the user's. */
let env: NodeJS.ProcessEnv;

before(async () => {
  home = await tempDir('wpack-completion-');
  env = { HOME: home.dir, XDG_CACHE_HOME: `${home.dir}/.cache` };
});

after(() => home.cleanup());

void test('`wpack autocomplete bash` prints the setup instructions', async () => {
  const run = await runWpack(['autocomplete', 'bash'], { env });
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.includes('printf "$(wpack autocomplete script bash)" >> ~/.bashrc; source ~/.bashrc'), run.stdout);
});

void test('the script sourced into bash completes commands and their flags', async () => {
  // What the instructions add to ~/.bashrc, then the completion function called as bash calls it on <TAB>.
  const script = `
    set -e
    eval "$("$WPACK_NODE" "$WPACK" autocomplete script bash)"
    complete -p wpack
    complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _wpack_autocomplete; echo "\${COMPREPLY[*]}"; }
    echo "commands: $(complete_words wpack ver)"
    echo "flags: $(complete_words wpack verify --sarif)"
  `;
  const run = await runProcess('bash', ['-c', script], { env: { ...env, WPACK: WPACK_BIN, WPACK_NODE: process.execPath } });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^complete .*-F _wpack_autocomplete.* wpack$/m);
  assert.match(run.stdout, /^commands: verify$/m);
  assert.match(run.stdout, /^flags: --sarif-output$/m);
});
