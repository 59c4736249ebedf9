import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignatureError } from './errors.js';

export interface GeneratedKeyPair {
  privatePem: string;
  publicPem: string;
  hint: string;
}

/**
 * An ECDSA P-256 key pair: PKCS#8 private key (AES-256-CBC encrypted when a
 * password is given) and SPKI public key, both PEM, as cosign and
 * sigstore-js read them.
 */
export function generateKeyPair(password?: string): GeneratedKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privatePem =
    password === undefined
      ? privateKey.export({ type: 'pkcs8', format: 'pem' })
      : privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' });
  return { privatePem: String(privatePem), publicPem: String(publicPem), hint: keyHint(publicKey) };
}

/** The key hint other Sigstore clients put in bundles: base64(sha256(DER SPKI)). */
export function keyHint(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
}

export function loadPrivateKey(pem: string | Buffer, password?: string): KeyObject {
  // Without a passphrase OpenSSL would try to prompt; say what is missing instead.
  if (password === undefined && /-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem.toString())) {
    throw new SignatureError('KEY_PASSWORD', 'the private key is encrypted: pass its password with --password-stdin');
  }
  try {
    const key = createPrivateKey(password === undefined ? { key: pem, format: 'pem' } : { key: pem, format: 'pem', passphrase: password });
    checkKeyType(key);
    return key;
  } catch (err) {
    if (err instanceof SignatureError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MISSING_PASSPHRASE' || /bad decrypt|passphrase/i.test((err as Error).message)) {
      throw new SignatureError('KEY_PASSWORD', 'the private key is encrypted and the password is missing or wrong (pass it with --password-stdin)', { cause: err });
    }
    throw new SignatureError('KEY_INVALID', `not a PEM private key: ${(err as Error).message}`, { cause: err });
  }
}

export function loadPublicKey(pem: string | Buffer): KeyObject {
  try {
    const key = createPublicKey({ key: pem, format: 'pem' });
    checkKeyType(key);
    return key;
  } catch (err) {
    if (err instanceof SignatureError) throw err;
    throw new SignatureError('KEY_INVALID', `not a PEM public key: ${(err as Error).message}`, { cause: err });
  }
}

/** ECDSA P-256 (DESIGN §4), or Ed25519, which Sigstore accepts for DSSE. */
function checkKeyType(key: KeyObject): void {
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (type === 'ed25519' || (type === 'ec' && curve === 'prime256v1')) return;
  throw new SignatureError('KEY_INVALID', `unsupported key type ${String(type)}${curve ? ` (${curve})` : ''}: use ECDSA P-256 or Ed25519`);
}
