import { Command } from '@oclif/core';
import { ManifestValidationError } from '@wpack/manifest';
import { EXIT, errorCodeFor, exitCodeFor } from './exit-codes.js';

/**
 * Every wpack command extends this: `--json` on all of them, and one policy
 * that turns any failure into a one-line message (one line per problem for
 * validation errors) and the exit code of DESIGN §7, in both output modes.
 */
export abstract class WpackCommand extends Command {
  static override enableJsonFlag = true;

  protected override catch(err: Error & { oclif?: { exit?: number } }): Promise<unknown> {
    // `this.exit(n)` throws an ExitError carrying no message worth printing.
    if (err.oclif?.exit !== undefined && err.message.startsWith('EEXIT')) return Promise.reject(err);
    const code = exitCodeFor(err);
    const lines = err instanceof ManifestValidationError ? err.problems.map((p) => `${p.path || '/'}: ${p.message}`) : [oneLine(err)];
    if (this.jsonEnabled()) {
      this.logJson({ error: { code: errorCodeFor(err), message: lines.join('\n'), exitCode: code } });
    } else {
      const prefix = code === EXIT.internal ? 'wpack: internal error: ' : 'wpack: ';
      if (err instanceof ManifestValidationError) this.logToStderr(`wpack: ${err.message.split('\n')[0] ?? ''}`);
      for (const line of lines) this.logToStderr(err instanceof ManifestValidationError ? `  ${line}` : prefix + line);
    }
    process.exitCode = code;
    return Promise.resolve(undefined);
  }
}

function oneLine(err: Error): string {
  return err.message.replace(/\s*\n\s*/g, ' ').trim() || err.name;
}
