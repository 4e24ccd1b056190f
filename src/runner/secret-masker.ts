/** The replacement for a sensitive value in logs. */
export const MASKED = Buffer.from('******');

/** Values shorter than this are not masked: hiding every "1" or "ab" would garble logs, not protect them. */
export const MIN_MASKED_LENGTH = 3;

/**
 * Replaces sensitive values in a byte stream. A value can arrive split across two pieces of
 * output, so the end of each piece that could be the start of a value is held back until the
 * next piece (or the end) shows whether it is one.
 */
export class SecretMasker {
  private readonly secrets: Buffer[];
  private held: Buffer = Buffer.alloc(0);

  constructor(values: string[]) {
    this.secrets = [...new Set(values.filter((v) => v.length >= MIN_MASKED_LENGTH))]
      .map((v) => Buffer.from(v, 'utf8'))
      .sort((a, b) => b.length - a.length);
  }

  /** Masked bytes that are safe to show now. */
  push(data: Buffer): Buffer {
    if (this.secrets.length === 0) return data;
    const text = this.mask(Buffer.concat([this.held, data]));
    const keep = this.partialTail(text);
    this.held = Buffer.from(text.subarray(text.length - keep));
    return text.subarray(0, text.length - keep);
  }

  /** Whatever is still held back (masked), at the end of the output. */
  end(): Buffer {
    const rest = this.mask(this.held);
    this.held = Buffer.alloc(0);
    return rest;
  }

  private mask(data: Buffer): Buffer {
    let out = data;
    for (const secret of this.secrets) {
      let at = out.indexOf(secret);
      if (at < 0) continue;
      const parts: Buffer[] = [];
      let from = 0;
      while (at >= 0) {
        parts.push(out.subarray(from, at), MASKED);
        from = at + secret.length;
        at = out.indexOf(secret, from);
      }
      parts.push(out.subarray(from));
      out = Buffer.concat(parts);
    }
    return out;
  }

  /** Length of the longest end of `data` that is the beginning of some secret. */
  private partialTail(data: Buffer): number {
    let best = 0;
    for (const secret of this.secrets) {
      for (let k = Math.min(secret.length - 1, data.length); k > best; k--) {
        if (data.subarray(data.length - k).equals(secret.subarray(0, k))) {
          best = k;
          break;
        }
      }
    }
    return best;
  }
}
