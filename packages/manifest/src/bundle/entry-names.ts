import { ManifestError } from '../errors.js';

const SIGNATURE_NAME = /^signatures\/[0-9]{1,6}\.sigstore\.json$/;

export function isSignatureEntry(name: string): boolean {
  return SIGNATURE_NAME.test(name);
}

/**
 * First line of defence for a tar entry name, before the allow-list: names
 * that could escape the extraction directory are refused outright, whatever
 * the manifest says (node-tar's unpack.ts does the same; CVE-2018-20834 and
 * GHSA-5955-9wpr-37jh are the classic ways this goes wrong).
 */
export function checkEntryName(name: string): void {
  const reject = (why: string): never => {
    throw new ManifestError('BUNDLE_ENTRY_REJECTED', `entry ${JSON.stringify(name)}: ${why}`);
  };
  if (name.length === 0) reject('empty name');
  if (name.startsWith('/')) reject('absolute path');
  if (/^[A-Za-z]:/.test(name)) reject('drive-letter path');
  if (name.includes('\\')) reject('backslash in name');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) reject('control character in name');
  const segments = name.split('/');
  if (segments.includes('..')) reject("path escapes the bundle ('..' segment)");
  if (segments.some((s) => s === '' || s === '.')) reject("empty or '.' path segment");
}

/** The tar type names that tar-stream reports, in words for errors. */
export function describeType(type: string | null | undefined): string {
  switch (type) {
    case 'symlink':
      return 'a symbolic link';
    case 'link':
      return 'a hard link';
    case 'directory':
      return 'a directory';
    case 'character-device':
    case 'block-device':
      return 'a device file';
    case 'fifo':
      return 'a FIFO';
    default:
      return `of type ${String(type)}`;
  }
}
