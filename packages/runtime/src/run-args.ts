/**
 * `wpack run-args`: what another runtime needs to be told to grant a
 * component's capabilities, per the mapping tables of RUNTIME.md (wasmtime
 * CLI v48, spin.toml v2). Where a runtime can only grant more than the
 * capability says (or cannot grant it at all), one warning per capability
 * says so; `wpack run` enforces each of them exactly.
 */
import { hostText, parseCapability, type Capability, type Host, type PortRange } from '@wpack/manifest';

export type ForeignRuntime = 'wasmtime' | 'spin';

export interface RuntimeArgs {
  runtime: ForeignRuntime;
  /** wasmtime: the command line, one argument per item. */
  command?: string[];
  /** spin: the component table (and its HTTP trigger) of a spin.toml v2. */
  spinToml?: string;
  /** One per capability the runtime cannot grant exactly. */
  warnings: string[];
}

export interface RuntimeArgsOptions {
  /** Component file name in the command or the `source`. */
  component: string;
  /** The component's name (`ns:name`), for the spin component id. */
  name: string;
}

const EXACTLY = 'wpack run enforces it exactly';

/** A host as Spin's allowed_outbound_hosts reads it: names and wildcards in the grammar's own spelling, IPs Spin's way. */
function hostString(host: Host): string {
  if (host.type !== 'ip') return hostText(host);
  // Spin's parser (outbound-networking-config, HostConfig::parse) reads a CIDR only
  // unbracketed (`fd00::/8:443`) and a single IPv6 address only bracketed, as in a URL
  // (`[2001:db8::1]:443`; unbracketed, its last group would read as the port).
  if (host.prefix !== (host.version === 4 ? 32 : 128)) return `${host.address}/${String(host.prefix)}`;
  return host.version === 6 ? `[${host.address}]` : host.address;
}

function spinPorts(p: PortRange): string {
  if (p.lo === 1 && p.hi === 65535) return '*';
  // Spin's ranges are half-open: 8000..9000 is 8000-8999.
  return p.lo === p.hi ? String(p.lo) : `${String(p.lo)}..${String(p.hi + 1)}`;
}

export function runtimeArgs(declared: readonly string[], runtime: ForeignRuntime, options: RuntimeArgsOptions): RuntimeArgs {
  const caps = declared.map((t) => parseCapability(t));
  return runtime === 'wasmtime' ? wasmtime(caps, options) : spin(caps, options);
}

function has(caps: readonly Capability[], text: string): boolean {
  return caps.some((c) => c.text === text);
}

function wasmtime(caps: readonly Capability[], options: RuntimeArgsOptions): RuntimeArgs {
  const flags: string[] = [];
  const warnings: string[] = [];
  const once = (...f: string[]) => {
    if (!flags.includes(f[1] ?? f[0] ?? '')) flags.push(...f);
  };
  let serve = false;
  for (const c of caps) {
    switch (c.kind) {
      case 'filesystem':
        flags.push('--dir', `${c.path}::${c.path}`);
        if (c.action === 'read') warnings.push(`${c.text}: wasmtime's --dir preopens read-write (the CLI has no read-only preopen); ${EXACTLY}`);
        break;
      case 'network':
        if (c.action === 'dns') once('-S', 'allow-ip-name-lookup');
        else {
          once('-S', 'inherit-network');
          warnings.push(`${c.text}: -S inherit-network opens every address and port, bind and listen included; ${EXACTLY}`);
        }
        break;
      case 'http':
        if (c.action === 'inbound') serve = true;
        else {
          once('-S', 'http');
          warnings.push(`${c.text}: -S http lets the component call any host (outgoing wasi:http has no host filter in the CLI); ${EXACTLY}`);
        }
        break;
      case 'env':
        if (/[*?]/.test(c.name)) warnings.push(`${c.text}: wasmtime passes variables by name; add --env NAME for each one the glob should cover (${EXACTLY})`);
        else flags.push('--env', c.name);
        break;
      case 'nn':
        flags.push('-S', 'nn', '-S', `nn-graph=${c.encoding}::<graph-dir>`);
        warnings.push(`${c.text}: needs a wasmtime built with the ${c.encoding} backend; replace <graph-dir>`);
        break;
      case 'import':
        warnings.push(`${c.text}: wasmtime has no flag for it: compose an implementation in first (wac plug) or run with -W unknown-imports-trap`);
        break;
      default:
        break;
    }
  }
  // wasmtime's WASI options (-S) have no switch for the standard streams: the CLI always hands them over.
  for (const [cap, what] of [
    ['stdio:stdin', 'standard input'],
    ['stdio:stdout', 'standard output'],
    ['stdio:stderr', 'standard error'],
    ['clock:wall', 'the wall clock'],
    ['clock:monotonic', 'the monotonic clock'],
    ['random:secure', 'secure random'],
    ['random:insecure', 'insecure random'],
  ] as const) {
    if (!has(caps, cap)) warnings.push(`${cap} (not granted): wasmtime always provides ${what} and cannot refuse it; ${EXACTLY}`);
  }
  const command = serve ? ['wasmtime', 'serve', '--addr', '0.0.0.0:8080', ...flags, options.component] : ['wasmtime', 'run', ...flags, options.component];
  return { runtime: 'wasmtime', command, warnings };
}

function tomlString(s: string): string {
  return JSON.stringify(s);
}

function spin(caps: readonly Capability[], options: RuntimeArgsOptions): RuntimeArgs {
  const id = options.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const files: string[] = [];
  const env: string[] = [];
  const hosts: string[] = [];
  const warnings: string[] = [];
  let inbound = false;
  for (const c of caps) {
    switch (c.kind) {
      case 'filesystem':
        if (c.action === 'read') files.push(`{ source = ${tomlString(c.path)}, destination = ${tomlString(c.path)} }`);
        else warnings.push(`${c.text}: spin mounts files read-only and packaged with the app; it cannot grant writes (only \`spin up --allow-transient-write\`); ${EXACTLY}`);
        break;
      case 'env':
        if (/[*?]/.test(c.name)) warnings.push(`${c.text}: spin's environment holds fixed NAME = "value" pairs; list each variable the glob should cover (${EXACTLY})`);
        else env.push(`${c.name} = ""`);
        break;
      case 'network':
        if (c.action === 'outbound') {
          hosts.push(`tcp://${hostString(c.host)}:${spinPorts(c.ports)}`);
          if (c.host.type === 'name' || c.host.type === 'wildcard') warnings.push(`${c.text}: spin checks raw socket connects by IP:port, so a host name matches nothing; give an IP or CIDR (${EXACTLY})`);
        } else warnings.push(`${c.text}: spin.toml cannot express it (no ${c.action === 'dns' ? 'guest DNS' : 'inbound sockets'}); ${EXACTLY}`);
        break;
      case 'http':
        if (c.action === 'inbound') inbound = true;
        else if (c.action === 'outbound') {
          const port = c.ports === null ? '' : `:${spinPorts(c.ports)}`;
          hosts.push(`${c.scheme}://${hostString(c.host)}${port}`);
        }
        break;
      case 'nn':
        warnings.push(`${c.text}: spin has no wasi-nn (its ai_models is another API); ${EXACTLY}`);
        break;
      case 'import':
        warnings.push(`${c.text}: spin provides only its own interfaces; compose an implementation in first (wac plug)`);
        break;
      default:
        break;
    }
  }
  for (const cap of ['stdio:stdin', 'stdio:stdout', 'stdio:stderr', 'clock:wall', 'clock:monotonic', 'random:secure', 'random:insecure']) {
    if (!has(caps, cap)) warnings.push(`${cap} (not granted): spin always provides it and cannot refuse it; ${EXACTLY}`);
  }
  const lines = [`[component.${id}]`, `source = ${tomlString(options.component)}`];
  if (files.length > 0) lines.push(`files = [${files.join(', ')}]`);
  if (env.length > 0) lines.push(`environment = { ${env.join(', ')} }`);
  lines.push(`allowed_outbound_hosts = [${hosts.map(tomlString).join(', ')}]`);
  if (inbound) lines.push('', '[[trigger.http]]', 'route = "/..."', `component = ${tomlString(id)}`);
  return { runtime: 'spin', spinToml: `${lines.join('\n')}\n`, warnings };
}
