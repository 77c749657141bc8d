import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals secrets kept at rest (S3 keys) with AES-256-GCM under a key derived (HKDF-SHA256)
 * from SECRETS_KEY for one purpose only, so a key used for signing URLs never encrypts and
 * vice versa. `context` is bound as associated data: a sealed value copied to another field
 * or row fails to open instead of being used there.
 *
 * Format: `v1.` + base64url(iv ‖ tag ‖ ciphertext).
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(secretsKey: Buffer, purpose: string) {
    this.#key = Buffer.from(hkdfSync('sha256', secretsKey, Buffer.alloc(0), `mediastore ${purpose} ${VERSION}`, 32));
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
  }

  /** Throws when the value was not sealed by this box with this context (wrong SECRETS_KEY, tampering). */
  open(sealed: string, context: string): string {
    const [version, body] = sealed.split('.', 2);
    if (version !== VERSION || body === undefined) throw new Error('not a sealed secret');
    const raw = Buffer.from(body, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('sealed secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}
