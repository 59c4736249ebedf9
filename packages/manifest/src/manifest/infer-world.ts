import type { ComponentInterface } from '@wpack/component';

/**
 * The standard world a component evidently targets, from its characteristic
 * export: `wasi:cli/run` makes it a command, `wasi:http/incoming-handler` a
 * proxy, at the export's version. What `wpack init` writes as `world`, and
 * what `wpack inspect` shows for a component not yet bundled.
 */
export function inferWorld(iface: ComponentInterface): string | undefined {
  for (const e of iface.exports) {
    const m = /^wasi:(cli\/run|http\/incoming-handler)(@[^@]+)?$/.exec(e.name);
    if (m) return (m[1] === 'cli/run' ? 'wasi:cli/command' : 'wasi:http/proxy') + (m[2] ?? '');
  }
  return undefined;
}
