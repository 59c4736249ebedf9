import { access } from 'node:fs/promises';
import * as Flags from '@oclif/core/flags';
import { SignatureError } from '@wpack/signatures';
import { generateKeyPair } from '@wpack/signatures';
import { WpackCommand } from '../base-command.js';
import { readPasswordFromStdin } from '../stdin.js';

export interface KeygenResult {
  privateKey: string;
  publicKey: string;
  keyHint: string;
  encrypted: boolean;
}

export default class Keygen extends WpackCommand {
  static override summary = 'Create an ECDSA P-256 key pair for `wpack sign --key`.';
  static override description =
    'Writes <prefix>.key (PKCS#8 PEM, mode 0600; encrypted with AES-256 when --password-stdin is given) and <prefix>.pub (SPKI PEM). ' +
    'Give the .pub to whoever verifies; keep the .key secret.';
  static override examples = ['<%= config.bin %> keygen -o release', 'printf %s "$KEY_PASSWORD" | <%= config.bin %> keygen -o release --password-stdin'];
  static override flags = {
    output: Flags.string({ char: 'o', description: 'path prefix for <prefix>.key and <prefix>.pub', required: true }),
    'password-stdin': Flags.boolean({ description: 'encrypt the private key with a password read from stdin' }),
    force: Flags.boolean({ description: 'overwrite existing key files' }),
  };

  async run(): Promise<KeygenResult> {
    const { flags } = await this.parse(Keygen);
    const privatePath = `${flags.output}.key`;
    const publicPath = `${flags.output}.pub`;
    if (!flags.force) {
      for (const path of [privatePath, publicPath]) {
        if (await access(path).then(() => true, () => false)) throw new SignatureError('KEY_EXISTS', `${path} already exists (use --force to overwrite it)`);
      }
    }
    const password = flags['password-stdin'] ? await readPasswordFromStdin() : undefined;
    const pair = generateKeyPair(password);
    const { default: writeFileAtomic } = await import('write-file-atomic');
    await writeFileAtomic(privatePath, pair.privatePem, { mode: 0o600 });
    await writeFileAtomic(publicPath, pair.publicPem, { mode: 0o644 });
    this.log(`wrote ${privatePath} (private${password === undefined ? ', unencrypted' : ', encrypted'}) and ${publicPath}`);
    this.log(`  key hint ${pair.hint}`);
    return { privateKey: privatePath, publicKey: publicPath, keyHint: pair.hint, encrypted: password !== undefined };
  }
}
