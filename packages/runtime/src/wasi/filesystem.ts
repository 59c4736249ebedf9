/**
 * wasi:filesystem by grant: one preopen per `--dir`, each read-only unless a
 * `filesystem:write:` capability holds its whole guest path.
 *
 * What the node shim already refuses (RUNTIME.md): an absolute path, `..`
 * above the descriptor, a symlink whose target is absolute or climbs out of
 * the directory the walk started from. It resolves every path from that
 * directory's host path, again on each call. A directory the guest opened is
 * only a host path to it, and the guest could rename a symlink into its place
 * and be walked out of the preopen. So the shim never sees a descriptor of a
 * directory below a preopen: every path call goes to the preopen itself, with
 * the descriptor's path in front, and the shim's walk starts at the preopen
 * every time. Files keep the shim's descriptors (they work on an open file).
 *
 * What the shim does not refuse, and this wrapper adds: a read-only preopen
 * (every mutation is refused with `not-permitted`), and symlinks that could
 * lead out: a link the guest creates must point down (neither absolute nor
 * with `..`), because a link can be renamed to where `..` would climb out.
 * The wrapper checks paths before the shim sees them, so each refusal is reported.
 */
import { posix } from 'node:path';
import type { DenialSink } from '../denials.js';
import type { Preopen, RunGrants } from '../grants.js';
import { WitError } from './denied.js';
import type { Shim } from './shim.js';

type Inner = Record<string, (...args: unknown[]) => unknown>;

interface PathFlags {
  symlinkFollow?: boolean;
}
interface OpenFlags {
  create?: boolean;
  directory?: boolean;
  exclusive?: boolean;
  truncate?: boolean;
}
interface DescriptorFlags {
  read?: boolean;
  write?: boolean;
  mutateDirectory?: boolean;
  [flag: string]: boolean | undefined;
}

/** The error-code a refused mutation or escape returns to the guest. */
const REFUSED = 'not-permitted';

/** The key the bindings call when the guest drops a resource (jco's `symbolDispose`). */
const DISPOSE: symbol = (Symbol as unknown as { dispose?: symbol }).dispose ?? Symbol.for('dispose');

const dispose = (inner: Inner): void => {
  const fn = (inner as unknown as Record<symbol, unknown>)[DISPOSE];
  if (typeof fn === 'function') (fn as () => void).call(inner);
};

interface Datetime {
  seconds: bigint;
  nanoseconds: number;
}
type NewTimestamp = { tag: 'no-change' } | { tag: 'now' } | { tag: 'timestamp'; val: Datetime };
interface FileStat {
  dataAccessTimestamp?: Datetime;
  dataModificationTimestamp?: Datetime;
}

/** Seconds a JavaScript date can hold (±8.64e15 ms); the shim converts through one. */
const MAX_SECONDS = 8_640_000_000_000n;

const nowTimestamp = (): Datetime => {
  const ms = Date.now();
  return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1_000_000 };
};

/**
 * A new-timestamp as an explicit time. The shim's "now" is off by a factor
 * of 1000 (it sets times in 1970), so "now" is read here; "no-change" takes
 * `keep` when given. A time no date can hold is `overflow`, not a trap.
 */
function explicit(t: NewTimestamp, now: Datetime, keep?: Datetime): NewTimestamp {
  if (t.tag === 'now') return { tag: 'timestamp', val: now };
  if (t.tag === 'no-change') return keep !== undefined ? { tag: 'timestamp', val: keep } : t;
  if (t.val.seconds > MAX_SECONDS || t.val.seconds < -MAX_SECONDS) throw new WitError('overflow');
  return t;
}

/** A link target that stays below the link wherever the link is: relative, without `..` (`\\` read as `/`, as the shim does). */
const pointsDown = (target: string): boolean => !/^[/\\]/.test(target) && !target.split(/[/\\]/).includes('..');

/** A path the shim reads as the wrapper did: `/` separators, `.` for the directory itself. */
const pathOf = (segments: readonly string[], trailingSlash = false): string => (segments.length === 0 ? '.' : `${segments.join('/')}${trailingSlash ? '/' : ''}`);

export function filesystemInterfaces(shim: Shim, grants: RunGrants, denials: DenialSink): Record<string, unknown> {
  const refuse = (operation: string, target: string, why: string): never => {
    denials.deny('filesystem', operation, target, why);
    throw new WitError(REFUSED);
  };

  /**
   * Segments of `path` from the preopen, resolved lexically from `base`, or a
   * refusal: `..` may not climb above the first `floor` segments (the
   * descriptor's own directory, as the shim resolves it, unless told otherwise).
   */
  const below = (operation: string, root: Preopen, base: readonly string[], path: string, floor = base.length): string[] => {
    // A NUL cannot be in a host path: an invalid argument, not a refusal.
    if (path.includes('\0')) throw new WitError('invalid');
    // The shim reads `\` as `/`; so does the check.
    const normal = path.replace(/\\/g, '/');
    const shown = posix.join(root.guest, ...base, normal);
    if (normal.startsWith('/')) refuse(operation, path, 'absolute paths are not allowed; paths are relative to a preopened directory');
    const out = [...base];
    for (const seg of normal.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') {
        if (out.length <= floor) refuse(operation, shown, `.. leads out of ${JSON.stringify(posix.join(root.guest, ...base.slice(0, floor)))}`);
        out.pop();
      } else {
        out.push(seg);
      }
    }
    return out;
  };

  const trailing = (path: string): boolean => /[/\\]$/.test(path);

  class Descriptor {
    /** The shim's object for this descriptor: an open file, or the preopen itself. */
    readonly #inner: Inner;
    readonly #root: Preopen;
    /** The shim's descriptor of the preopen: every path call starts its walk there. */
    readonly #rootInner: Inner;
    /** This descriptor's path from the preopen; [] for the preopen itself. */
    readonly #base: readonly string[];

    constructor(inner: object, root: Preopen, rootInner: object, base: readonly string[]) {
      this.#inner = inner as Inner;
      this.#root = root;
      this.#rootInner = rootInner as Inner;
      this.#base = base;
    }

    #call(method: string, ...args: unknown[]): unknown {
      const fn = this.#inner[method];
      if (typeof fn !== 'function') throw new WitError('unsupported');
      return fn.apply(this.#inner, args);
    }

    /** A path call made on the preopen: its path arguments are paths from the preopen (`pathOf`). */
    #onRoot(method: string, ...args: unknown[]): unknown {
      return (this.#rootInner[method] as (...a: unknown[]) => unknown).apply(this.#rootInner, args);
    }

    get #isPreopen(): boolean {
      return this.#inner === this.#rootInner;
    }

    #where(path = ''): string {
      return posix.join(this.#root.guest, ...this.#base, path);
    }

    #mutation(operation: string, path?: string): void {
      if (!this.#root.writable) refuse(operation, this.#where(path), `${this.#root.guest} is granted read-only (filesystem:read)`);
    }

    /** The other descriptor of a two-descriptor call, and `path` from its preopen. */
    static other(d: unknown, operation: string, path: string): { rootInner: Inner; root: Preopen; segments: string[] } {
      if (!(d instanceof Descriptor)) return refuse(operation, path, 'not a descriptor of this run');
      return { rootInner: d.#rootInner, root: d.#root, segments: below(operation, d.#root, d.#base, path) };
    }

    /** The directory, opened afresh through the preopen, for a call that needs its current listing or status. */
    #reopened<T>(use: (dir: Inner) => T): T {
      const dir = this.#onRoot('openAt', { symlinkFollow: true }, pathOf(this.#base), { directory: true }, { read: true }) as Inner;
      try {
        return use(dir);
      } finally {
        dispose(dir);
      }
    }

    [DISPOSE](): void {
      if (!this.#isPreopen) dispose(this.#inner);
    }

    readViaStream(offset: bigint) {
      return this.#call('readViaStream', offset);
    }
    writeViaStream(offset: bigint) {
      this.#mutation('write-via-stream');
      return this.#call('writeViaStream', offset);
    }
    appendViaStream() {
      this.#mutation('append-via-stream');
      return this.#call('appendViaStream');
    }
    advise(offset: bigint, length: bigint, advice: unknown) {
      return this.#call('advise', offset, length, advice);
    }
    syncData() {
      return this.#call('syncData');
    }
    getFlags() {
      const flags = { ...(this.#call('getFlags') as DescriptorFlags | undefined) };
      if (!this.#root.writable) {
        flags.write = false;
        flags.mutateDirectory = false;
      }
      return flags;
    }
    getType() {
      return this.#call('getType');
    }
    setSize(size: bigint) {
      this.#mutation('set-size');
      return this.#call('setSize', size);
    }
    setTimes(atime: NewTimestamp, mtime: NewTimestamp) {
      this.#mutation('set-times');
      const now = nowTimestamp();
      return this.#call('setTimes', explicit(atime, now), explicit(mtime, now));
    }
    read(length: bigint, offset: bigint) {
      return this.#call('read', length, offset);
    }
    write(buffer: Uint8Array, offset: bigint) {
      this.#mutation('write');
      return this.#call('write', buffer, offset);
    }
    readDirectory() {
      // The shim lists a directory by the host path it had when opened; this lists it where the preopen's walk finds it now.
      return this.#reopened((dir) => (dir.readDirectory as () => unknown).call(dir));
    }
    sync() {
      return this.#call('sync');
    }
    createDirectoryAt(path: string) {
      const segments = below('create-directory-at', this.#root, this.#base, path);
      this.#mutation('create-directory-at', path);
      return this.#onRoot('createDirectoryAt', pathOf(segments, trailing(path)));
    }
    stat() {
      // The shim cannot stat a preopen itself (it has no open file for it).
      if (this.#isPreopen) return this.#reopened((dir) => (dir.stat as () => unknown).call(dir));
      return this.#call('stat');
    }
    statAt(flags: PathFlags, path: string) {
      const segments = below('stat-at', this.#root, this.#base, path);
      return this.#onRoot('statAt', flags, pathOf(segments, trailing(path)));
    }
    setTimesAt(flags: PathFlags, path: string, atime: NewTimestamp, mtime: NewTimestamp) {
      const segments = below('set-times-at', this.#root, this.#base, path);
      this.#mutation('set-times-at', path);
      const at = pathOf(segments, trailing(path));
      // The shim keeps a "no-change" time by stat-ing the descriptor, not the path: the path's own times are passed instead.
      const current = atime.tag === 'no-change' || mtime.tag === 'no-change' ? (this.#onRoot('statAt', flags, at) as FileStat) : undefined;
      const now = nowTimestamp();
      return this.#onRoot('setTimesAt', flags, at, explicit(atime, now, current?.dataAccessTimestamp), explicit(mtime, now, current?.dataModificationTimestamp));
    }
    linkAt(oldFlags: PathFlags, oldPath: string, newDescriptor: unknown, newPath: string) {
      const segments = below('link-at', this.#root, this.#base, oldPath);
      const other = Descriptor.other(newDescriptor, 'link-at', newPath);
      // A link into a writable tree would make a read-only file writable through it.
      this.#mutation('link-at', oldPath);
      if (!other.root.writable) refuse('link-at', posix.join(other.root.guest, ...other.segments), `${other.root.guest} is granted read-only (filesystem:read)`);
      this.#notThePreopen('link-at', other.root, other.segments, newPath, other.rootInner);
      // link(2) of a symlink copies the link: the component could place a host-made link that points out anywhere.
      if (oldFlags.symlinkFollow !== true && this.#linkTarget(segments) !== undefined) refuse('link-at', this.#where(oldPath), 'a hard link to a symlink would copy where it points; only files can be linked');
      return this.#onRoot('linkAt', oldFlags, pathOf(segments, trailing(oldPath)), other.rootInner, pathOf(other.segments, trailing(newPath)));
    }
    openAt(flags: PathFlags, path: string, open: OpenFlags, descriptor: DescriptorFlags) {
      const segments = below('open-at', this.#root, this.#base, path);
      const mutating = [
        open.create === true && 'create',
        open.truncate === true && 'truncate',
        open.exclusive === true && 'exclusive',
        descriptor.write === true && 'write',
        descriptor.mutateDirectory === true && 'mutate-directory',
      ].filter((f): f is string => f !== false);
      if (mutating.length > 0) this.#mutation(`open-at (${mutating.join(', ')})`, path);
      const opened = this.#onRoot('openAt', flags, pathOf(segments, trailing(path)), open, descriptor) as object;
      return new Descriptor(opened, this.#root, this.#rootInner, segments);
    }
    readlinkAt(path: string) {
      const segments = below('readlink-at', this.#root, this.#base, path);
      return this.#onRoot('readlinkAt', pathOf(segments, trailing(path)));
    }
    /** The preopen itself is never removed, moved or replaced: its host directory is outside what was lent. */
    #notThePreopen(operation: string, root: Preopen, segments: readonly string[], path = '', rootInner = this.#rootInner): void {
      const why = 'the preopened directory itself cannot be removed, moved or replaced';
      if (segments.length === 0) refuse(operation, root.guest, why);
      // With a trailing slash the shim follows a final symlink: one to `.` names the preopen.
      if (!trailing(path)) return;
      const hash = (p: string): string => {
        try {
          const h = (rootInner.metadataHashAt as (f: PathFlags, p: string) => { upper: bigint; lower: bigint }).call(rootInner, { symlinkFollow: true }, p);
          return `${String(h.upper)}:${String(h.lower)}`;
        } catch {
          return p; // Nothing there: the call itself reports it.
        }
      };
      if (hash(pathOf(segments, true)) === hash('.')) refuse(operation, root.guest, why);
    }

    /** A symlink at `path` (not followed), with its target; undefined for anything else. */
    #linkTarget(segments: readonly string[]): string | undefined {
      let type: unknown;
      try {
        type = (this.#onRoot('statAt', { symlinkFollow: false }, pathOf(segments)) as { type?: unknown }).type;
      } catch {
        return undefined; // The call itself reports what is missing.
      }
      return type === 'symbolic-link' ? String(this.#onRoot('readlinkAt', pathOf(segments))) : undefined;
    }

    removeDirectoryAt(path: string) {
      const segments = below('remove-directory-at', this.#root, this.#base, path);
      this.#mutation('remove-directory-at', path);
      this.#notThePreopen('remove-directory-at', this.#root, segments, path);
      return this.#onRoot('removeDirectoryAt', pathOf(segments, trailing(path)));
    }
    renameAt(oldPath: string, newDescriptor: unknown, newPath: string) {
      const segments = below('rename-at', this.#root, this.#base, oldPath);
      const other = Descriptor.other(newDescriptor, 'rename-at', newPath);
      this.#mutation('rename-at', oldPath);
      if (!other.root.writable) refuse('rename-at', posix.join(other.root.guest, ...other.segments), `${other.root.guest} is granted read-only (filesystem:read)`);
      this.#notThePreopen('rename-at', this.#root, segments, oldPath);
      this.#notThePreopen('rename-at', other.root, other.segments, newPath, other.rootInner);
      // Moved elsewhere, a link with .. (or an absolute one) may point out: only links that point down move.
      const target = this.#linkTarget(segments);
      if (target !== undefined && !pointsDown(target)) refuse('rename-at', this.#where(oldPath), `it is a symlink to ${JSON.stringify(target)}; moved, it could point out of the preopen`);
      return this.#onRoot('renameAt', pathOf(segments, trailing(oldPath)), other.rootInner, pathOf(other.segments, trailing(newPath)));
    }
    symlinkAt(target: string, path: string) {
      const segments = below('symlink-at', this.#root, this.#base, path);
      this.#mutation('symlink-at', path);
      if (target.includes('\0')) throw new WitError('invalid');
      // Only links that point down: a link can be renamed anywhere in the preopen, and `..` from there could lead out.
      if (!pointsDown(target)) refuse('symlink-at', this.#where(path), `target ${JSON.stringify(target)} is absolute or has a .. segment; a link the component makes must point down, where no rename can turn it outwards`);
      return this.#onRoot('symlinkAt', target, pathOf(segments, trailing(path)));
    }
    unlinkFileAt(path: string) {
      const segments = below('unlink-file-at', this.#root, this.#base, path);
      this.#mutation('unlink-file-at', path);
      return this.#onRoot('unlinkFileAt', pathOf(segments, trailing(path)));
    }
    isSameObject(other: unknown) {
      if (!(other instanceof Descriptor)) return false;
      return this.#call('isSameObject', other.#inner);
    }
    metadataHash() {
      return this.#call('metadataHash');
    }
    metadataHashAt(flags: PathFlags, path: string) {
      const segments = below('metadata-hash-at', this.#root, this.#base, path);
      return this.#onRoot('metadataHashAt', flags, pathOf(segments, trailing(path)));
    }
  }

  const preopens = grants.preopens.map((p): [Descriptor, string] => {
    const inner = shim.filesystem._createPreopenDescriptor(p.host);
    return [new Descriptor(inner, p, inner, []), p.guest];
  });
  return {
    'wasi:filesystem/preopens': { getDirectories: () => [...preopens] },
    'wasi:filesystem/types': {
      Descriptor,
      DirectoryEntryStream: shim.filesystem.types.DirectoryEntryStream,
      filesystemErrorCode: shim.filesystem.types.filesystemErrorCode,
    },
  };
}
