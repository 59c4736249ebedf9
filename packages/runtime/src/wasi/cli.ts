/**
 * wasi:cli by grant: arguments always (the operator's), environment only the
 * granted variables, stdio and terminal by `stdio:`/`terminal`, exit by `exit`.
 */
import type { DenialSink } from '../denials.js';
import type { RunGrants } from '../grants.js';
import { DeniedCall, deniedInterface } from './denied.js';
import type { Shim } from './shim.js';

/** Raised by a granted `exit`: unwinds the guest and carries its status out. */
export class GuestExit extends Error {
  constructor(readonly code: number) {
    super(`the component exited with status ${String(code)}`);
    this.name = 'GuestExit';
  }
}

export function cliInterfaces(shim: Shim, grants: RunGrants, denials: DenialSink): Record<string, unknown> {
  const stdio = (name: 'stdin' | 'stdout' | 'stderr', granted: unknown): unknown =>
    grants.stdio.has(name) ? granted : deniedInterface(`wasi:cli/${name}`, 'stdio', denials, `no stdio:${name} capability`);
  const terminal = (name: string, getter: string, granted: Record<string, unknown>): Record<string, unknown> =>
    grants.terminal
      ? granted
      : {
          // `none` is the interface's own "not a terminal" answer: nothing is granted by it.
          [getter]: () => {
            denials.deny('terminal', getter, `wasi:cli/${name}`, 'no terminal capability');
            return undefined;
          },
        };
  const env = grants.env.map(([k, v]): [string, string] => [k, v]);
  return {
    'wasi:cli/environment': {
      getEnvironment: () => env.map(([k, v]): [string, string] => [k, v]),
      getArguments: () => [...grants.args],
      // The host's working directory is not the guest's business.
      initialCwd: () => undefined,
    },
    'wasi:cli/exit': grants.exit
      ? {
          exit(status: { tag: 'ok' | 'err' }) {
            throw new GuestExit(status.tag === 'err' ? 1 : 0);
          },
          exitWithCode(code: number) {
            throw new GuestExit(code);
          },
        }
      : deniedInterface('wasi:cli/exit', 'exit', denials, 'no exit capability'),
    'wasi:cli/stdin': stdio('stdin', shim.cli.stdin),
    'wasi:cli/stdout': stdio('stdout', shim.cli.stdout),
    'wasi:cli/stderr': stdio('stderr', shim.cli.stderr),
    'wasi:cli/terminal-input': shim.cli.terminalInput,
    'wasi:cli/terminal-output': shim.cli.terminalOutput,
    'wasi:cli/terminal-stdin': terminal('terminal-stdin', 'getTerminalStdin', shim.cli.terminalStdin),
    'wasi:cli/terminal-stdout': terminal('terminal-stdout', 'getTerminalStdout', shim.cli.terminalStdout),
    'wasi:cli/terminal-stderr': terminal('terminal-stderr', 'getTerminalStderr', shim.cli.terminalStderr),
  };
}

export { DeniedCall };
