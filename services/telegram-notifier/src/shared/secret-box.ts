import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export interface SealedSecret {
  ciphertext: string;
  iv: string;
  tag: string;
}

/**
 * AES-256-GCM for secrets at rest (bot token, webhook secrets). The 32-byte key is derived from
 * TELEGRAM_ENCRYPTION_KEY with HKDF-SHA256, so any long random string works as the key; `purpose` goes
 * into the additional data so a ciphertext of one kind cannot be passed off as another.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'arasul-telegram-notifier', 'aes-256-gcm v1', 32));
  }

  seal(plaintext: string, purpose: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(purpose));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      ciphertext: ciphertext.toString('base64'),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
  }

  /** Throws when the data was altered or sealed under another key. */
  open(sealed: SealedSecret, purpose: string): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([
      decipher.update(Buffer.from(sealed.ciphertext, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  }

  /** One buffer (iv | tag | ciphertext) for bytea columns. */
  sealToBytes(plaintext: string, purpose: string): Buffer {
    const sealed = this.seal(plaintext, purpose);
    return Buffer.concat([
      Buffer.from(sealed.iv, 'base64'),
      Buffer.from(sealed.tag, 'base64'),
      Buffer.from(sealed.ciphertext, 'base64'),
    ]);
  }

  openBytes(bytes: Buffer, purpose: string): string {
    return this.open(
      {
        iv: bytes.subarray(0, 12).toString('base64'),
        tag: bytes.subarray(12, 28).toString('base64'),
        ciphertext: bytes.subarray(28).toString('base64'),
      },
      purpose,
    );
  }
}
