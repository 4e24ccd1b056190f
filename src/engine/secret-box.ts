import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const FILE_AAD = Buffer.from('kiln-file');

/**
 * Encrypts secrets Kiln must be able to read back (AK/SK secret keys, webhook secrets) with
 * AES-256-GCM under the server's secret key. The stored form is `v1.<iv>.<tag>.<ciphertext>`.
 */
export class SecretBox {
  private readonly key: Buffer;

  /** `secret` is the configured server secret (any length; it is hashed to a 256-bit key). */
  constructor(secret: string) {
    this.key = createHash('sha256').update(`kiln-secret-box:${secret}`).digest();
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [
      'v1',
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      data.toString('base64url'),
    ].join('.');
  }

  /** Encrypts bytes: `iv (12) | tag (16) | ciphertext`, the purpose "file" as additional data. */
  sealBinary(plain: Uint8Array): Uint8Array {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(FILE_AAD);
    const data = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), data]);
  }

  /** Decrypts what `sealBinary` made; throws when it was not sealed with this key or was altered. */
  openBinary(sealed: Uint8Array): Buffer {
    const buf = Buffer.from(sealed);
    if (buf.length < 28) throw new Error('not sealed bytes');
    const decipher = createDecipheriv('aes-256-gcm', this.key, buf.subarray(0, 12));
    decipher.setAAD(FILE_AAD);
    decipher.setAuthTag(buf.subarray(12, 28));
    return undecryptable(() => Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]));
  }

  /** Decrypts; throws when the text was not sealed with this key or was altered. */
  open(sealed: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return undecryptable(() =>
      Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8'),
    );
  }
}

/**
 * Runs a decryption, turning the cipher's own failure ("Unsupported state or unable to
 * authenticate data", which told an operator nothing) into what it almost always means: a server
 * started with another KILN_SECRET_KEY than the one that sealed the secret.
 */
function undecryptable<T>(decrypt: () => T): T {
  try {
    return decrypt();
  } catch (error) {
    throw new Error(
      "a stored secret cannot be decrypted with this server's KILN_SECRET_KEY: it was sealed with another key (every server of a cluster needs the same one), or altered",
      { cause: error },
    );
  }
}

/** SHA-256 hex of a token: what is stored instead of the token. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
