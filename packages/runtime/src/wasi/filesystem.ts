/**
 * wasi:filesystem by grant: one preopen per `--dir`, each read-only unless a
 * `filesystem:write:` capability holds its whole guest path.
 *
 * What the node shim already refuses (RUNTIME.md): an absolute path, `..`
 * above the descriptor, a symlink whose target is absolute or climbs out of
 * the preopen. What it does not, and this wrapper adds: a read-only preopen
 * (every mutation below is refused with `not-permitted`), and creating a
 * symlink whose target leads out of the preopen. The wrapper checks paths
 * lexically before the shim sees them, so each refusal is reported.
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
    const shown = posix.join(root.guest, ...base, path);
    if (path.startsWith('/')) refuse(operation, path, 'absolute paths are not allowed; paths are relative to a preopened directory');
    const out = [...base];
    for (const seg of path.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') {
        if (out.length <= floor) refuse(operation, shown, `.. leads out of ${posix.join(root.guest, ...base.slice(0, floor))}`);
        out.pop();
      } else {
        out.push(seg);
      }
    }
    return out;
  };

  class Descriptor {
    readonly #inner: Inner;
    readonly #root: Preopen;
    readonly #base: readonly string[];

    constructor(inner: object, root: Preopen, base: readonly string[]) {
      this.#inner = inner as Inner;
      this.#root = root;
      this.#base = base;
    }

    #call(method: string, ...args: unknown[]): unknown {
      const fn = this.#inner[method];
      if (typeof fn !== 'function') throw new WitError('unsupported');
      return fn.apply(this.#inner, args);
    }

    #where(path = ''): string {
      return posix.join(this.#root.guest, ...this.#base, path);
    }

    #mutation(operation: string, path?: string): void {
      if (!this.#root.writable) refuse(operation, this.#where(path), `${this.#root.guest} is granted read-only (filesystem:read)`);
    }

    static innerOf(d: unknown, operation: string, target: string): { inner: Inner; root: Preopen; base: readonly string[] } {
      if (!(d instanceof Descriptor)) return refuse(operation, target, 'not a descriptor of this run');
      return { inner: d.#inner, root: d.#root, base: d.#base };
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
    setTimes(atime: unknown, mtime: unknown) {
      this.#mutation('set-times');
      return this.#call('setTimes', atime, mtime);
    }
    read(length: bigint, offset: bigint) {
      return this.#call('read', length, offset);
    }
    write(buffer: Uint8Array, offset: bigint) {
      this.#mutation('write');
      return this.#call('write', buffer, offset);
    }
    readDirectory() {
      return this.#call('readDirectory');
    }
    sync() {
      return this.#call('sync');
    }
    createDirectoryAt(path: string) {
      below('create-directory-at', this.#root, this.#base, path);
      this.#mutation('create-directory-at', path);
      return this.#call('createDirectoryAt', path);
    }
    stat() {
      return this.#call('stat');
    }
    statAt(flags: PathFlags, path: string) {
      below('stat-at', this.#root, this.#base, path);
      return this.#call('statAt', flags, path);
    }
    setTimesAt(flags: PathFlags, path: string, atime: unknown, mtime: unknown) {
      below('set-times-at', this.#root, this.#base, path);
      this.#mutation('set-times-at', path);
      return this.#call('setTimesAt', flags, path, atime, mtime);
    }
    linkAt(oldFlags: PathFlags, oldPath: string, newDescriptor: unknown, newPath: string) {
      below('link-at', this.#root, this.#base, oldPath);
      const other = Descriptor.innerOf(newDescriptor, 'link-at', newPath);
      below('link-at', other.root, other.base, newPath);
      // A link into a writable tree would make a read-only file writable through it.
      this.#mutation('link-at', oldPath);
      if (!other.root.writable) refuse('link-at', posix.join(other.root.guest, ...other.base, newPath), `${other.root.guest} is granted read-only (filesystem:read)`);
      return this.#call('linkAt', oldFlags, oldPath, other.inner, newPath);
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
      const opened = this.#call('openAt', flags, path, open, descriptor) as object;
      return new Descriptor(opened, this.#root, segments);
    }
    readlinkAt(path: string) {
      below('readlink-at', this.#root, this.#base, path);
      return this.#call('readlinkAt', path);
    }
    removeDirectoryAt(path: string) {
      below('remove-directory-at', this.#root, this.#base, path);
      this.#mutation('remove-directory-at', path);
      return this.#call('removeDirectoryAt', path);
    }
    renameAt(oldPath: string, newDescriptor: unknown, newPath: string) {
      below('rename-at', this.#root, this.#base, oldPath);
      const other = Descriptor.innerOf(newDescriptor, 'rename-at', newPath);
      below('rename-at', other.root, other.base, newPath);
      this.#mutation('rename-at', oldPath);
      if (!other.root.writable) refuse('rename-at', posix.join(other.root.guest, ...other.base, newPath), `${other.root.guest} is granted read-only (filesystem:read)`);
      return this.#call('renameAt', oldPath, other.inner, newPath);
    }
    symlinkAt(target: string, path: string) {
      const at = below('symlink-at', this.#root, this.#base, path);
      this.#mutation('symlink-at', path);
      // The link is resolved from its own directory; it must not name anything outside the preopen.
      if (target.startsWith('/')) refuse('symlink-at', this.#where(path), `target ${JSON.stringify(target)} is absolute`);
      below('symlink-at', this.#root, at.slice(0, -1), target, 0);
      return this.#call('symlinkAt', target, path);
    }
    unlinkFileAt(path: string) {
      below('unlink-file-at', this.#root, this.#base, path);
      this.#mutation('unlink-file-at', path);
      return this.#call('unlinkFileAt', path);
    }
    isSameObject(other: unknown) {
      if (!(other instanceof Descriptor)) return false;
      return this.#call('isSameObject', other.#inner);
    }
    metadataHash() {
      return this.#call('metadataHash');
    }
    metadataHashAt(flags: PathFlags, path: string) {
      below('metadata-hash-at', this.#root, this.#base, path);
      return this.#call('metadataHashAt', flags, path);
    }
  }

  const preopens = grants.preopens.map((p): [Descriptor, string] => [new Descriptor(shim.filesystem._createPreopenDescriptor(p.host), p, []), p.guest]);
  return {
    'wasi:filesystem/preopens': { getDirectories: () => [...preopens] },
    'wasi:filesystem/types': {
      Descriptor,
      DirectoryEntryStream: shim.filesystem.types.DirectoryEntryStream,
      filesystemErrorCode: shim.filesystem.types.filesystemErrorCode,
    },
  };
}
