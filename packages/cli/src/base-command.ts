import { Command } from '@oclif/core/command';
import { WpackError, type ValidationProblem } from '@wpack/core';
import { EXIT, errorCodeFor, exitCodeFor } from './exit-codes.js';
import type { Printer } from './gate-output.js';

/**
 * Every wpack command extends this: `--json` on all of them, and one policy
 * that turns any failure into a one-line message (one line per problem for
 * validation errors) and the exit code of DESIGN §7, in both output modes.
 */
export abstract class WpackCommand extends Command {
  static override enableJsonFlag = true;

  /** Where a shared report printer writes: this command's log, JSON mode and version. */
  protected printer(): Printer {
    return { log: (l: string) => this.log(l), jsonEnabled: () => this.jsonEnabled(), version: this.config.version };
  }

  protected override catch(err: Error & { oclif?: { exit?: number } }): Promise<unknown> {
    // `this.exit(n)` throws an ExitError carrying no message worth printing.
    if (err.oclif?.exit !== undefined && err.message.startsWith('EEXIT')) return Promise.reject(err);
    const code = exitCodeFor(err);
    const problems = validationProblems(err);
    const lines = problems !== undefined ? problems.map((p) => `${p.path || '/'}: ${p.message}`) : [oneLine(err)];
    if (this.jsonEnabled()) {
      this.logJson({ error: { code: errorCodeFor(err), message: lines.join('\n'), exitCode: code } });
    } else {
      const prefix = code === EXIT.internal ? 'wpack: internal error: ' : 'wpack: ';
      if (problems !== undefined) this.logToStderr(`wpack: ${err.message.split('\n')[0] ?? ''}`);
      for (const line of lines) this.logToStderr(problems !== undefined ? `  ${line}` : prefix + line);
    }
    process.exitCode = code;
    return Promise.resolve(undefined);
  }
}

/** A document that failed validation (a manifest or a policy) lists one problem per line. */
function validationProblems(err: Error): readonly ValidationProblem[] | undefined {
  return err instanceof WpackError && err.problems.length > 0 ? (err as WpackError).problems : undefined;
}

function oneLine(err: Error): string {
  return err.message.replace(/\s*\n\s*/g, ' ').trim() || err.name;
}
