import { readFile } from 'node:fs/promises';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { SignatureError } from '@wpack/signatures';
import { DEFAULT_FULCIO_URL, DEFAULT_REKOR_URL, loadPrivateKey, resolveIdentityToken, signBundle, type SignResult, type SigningMode } from '@wpack/signatures';
import { WpackCommand } from '../base-command.js';
import { readPasswordFromStdin } from '../stdin.js';

export default class Sign extends WpackCommand {
  static override summary = 'Sign a .wpack bundle: keyless with Sigstore (OIDC), or with a local key.';
  static override description =
    'Appends a Sigstore bundle (v0.3, DSSE, in-toto statement over the locked wpack.json) as signatures/<n>.sigstore.json. ' +
    'The bundle digest does not change, and the signature covers every byte: wpack.json names them all by digest.\n\n' +
    'Keyless: the OIDC token comes from --identity-token, SIGSTORE_ID_TOKEN, or GitHub Actions (permissions: id-token: write); ' +
    'Fulcio issues a short-lived certificate and Rekor records the signature.';
  static override examples = [
    '<%= config.bin %> sign app.wpack --key release.key',
    '<%= config.bin %> sign app.wpack            # keyless, in GitHub Actions',
    '<%= config.bin %> sign app.wpack --identity-token "$TOKEN" --tsa-url https://timestamp.sigstore.dev/api/v1/timestamp',
  ];
  static override args = { bundle: Args.file({ description: 'the .wpack file', required: true }) };
  static override flags = {
    key: Flags.file({ description: 'sign with this private key (PEM) instead of keyless' }),
    'password-stdin': Flags.boolean({ description: 'read the private key password from stdin' }),
    'identity-token': Flags.string({ description: 'OIDC identity token for keyless signing', exclusive: ['key'] }),
    'fulcio-url': Flags.string({ description: 'Fulcio instance', default: DEFAULT_FULCIO_URL, exclusive: ['key'] }),
    'rekor-url': Flags.string({ description: 'Rekor instance', default: DEFAULT_REKOR_URL, exclusive: ['key'] }),
    'tsa-url': Flags.string({ description: 'also get an RFC 3161 timestamp from this TSA', exclusive: ['key'] }),
  };

  async run(): Promise<SignResult> {
    const { args, flags } = await this.parse(Sign);
    let mode: SigningMode;
    if (flags.key !== undefined) {
      const password = flags['password-stdin'] ? await readPasswordFromStdin() : undefined;
      const pem = await readFile(flags.key).catch((err: unknown) => {
        throw new SignatureError('KEY_INVALID', `cannot read ${flags.key ?? ''}: ${(err as Error).message}`);
      });
      mode = { kind: 'key', privateKey: loadPrivateKey(pem, password) };
    } else {
      mode = {
        kind: 'keyless',
        identityToken: await resolveIdentityToken(flags['identity-token']),
        fulcioURL: flags['fulcio-url'],
        rekorURL: flags['rekor-url'],
        ...(flags['tsa-url'] !== undefined ? { tsaURL: flags['tsa-url'] } : {}),
      };
    }
    const result = await signBundle(args.bundle, mode);
    this.log(`signed ${args.bundle} (${result.digest})`);
    this.log(`  added  ${result.entry}`);
    if (result.keyHint !== undefined) this.log(`  key    ${result.keyHint}`);
    if (result.tlogIndex !== undefined) this.log(`  rekor  log index ${result.tlogIndex}`);
    return result;
  }
}
