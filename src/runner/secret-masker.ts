import { mergedSpans, MIN_MASKED_LENGTH } from '../domain/secret-text.ts';
import { endsAuthority, MAX_AUTHORITY, maskUrlCredentials } from '../domain/url-credentials.ts';

/** The replacement for a sensitive value in logs. */
export const MASKED = Buffer.from('******');

/**
 * Replaces secrets in a build's output: the exact values it is given (sensitive parameters, the
 * credentials of the repository URL), then the userinfo of any URL in the text
 * (`https://user:token@host` -> `https://******@host`, the rule of domain/url-credentials.ts), so a
 * URL with credentials that a step prints is hidden too. Either can arrive split across two pieces
 * of output, so each stage holds back the end of a piece that could still become one until the next
 * piece (or the end) decides. The output is the same however the stream is cut.
 */
export class SecretMasker {
  private readonly values: ValueMasker;
  private readonly urls = new UrlCredentialMasker();

  constructor(values: string[]) {
    this.values = new ValueMasker(values);
  }

  /** Masked bytes that are safe to show now. */
  push(data: Buffer): Buffer {
    return this.urls.push(this.values.push(data));
  }

  /** Whatever is still held back (masked), at the end of the output. */
  end(): Buffer {
    return this.urls.end(this.values.end());
  }
}

/**
 * Masks exact values. Every byte of every occurrence is hidden, also where two values overlap: the
 * occurrences are merged into runs and each run becomes one `******`. The end of a piece that is
 * the start of a value is held back. A run that reaches the end of what arrived could still be
 * extended by a value starting in its last bytes: its `******` is shown at once and only those last
 * bytes (fewer than the longest value) are kept, marked as already shown, so a value repeated
 * without end is neither held whole nor searched again at every piece.
 */
class ValueMasker {
  private readonly secrets: Buffer[];
  private readonly longest: number;
  private held: Buffer = Buffer.alloc(0);
  /** How many bytes at the start of `held` belong to a run whose `******` has already been shown. */
  private shown = 0;

  constructor(values: string[]) {
    this.secrets = [...new Set(values.filter((v) => v.length >= MIN_MASKED_LENGTH))].map((v) =>
      Buffer.from(v, 'utf8'),
    );
    this.longest = Math.max(0, ...this.secrets.map((s) => s.length));
  }

  push(data: Buffer): Buffer {
    if (this.secrets.length === 0) return data;
    return this.mask(this.held.length === 0 ? data : Buffer.concat([this.held, data]), false);
  }

  end(): Buffer {
    const rest = this.held;
    this.held = Buffer.alloc(0);
    return this.secrets.length === 0 ? rest : this.mask(rest, true);
  }

  /** Masks what is decided, keeps the rest in `held` (nothing when `final`). */
  private mask(text: Buffer, final: boolean): Buffer {
    const runs = this.runs(text);
    const alreadyShown = this.shown > 0 ? runs[0] : undefined;
    let hold = text.length;
    let open: [number, number] | undefined;
    if (!final) {
      hold = this.partialFrom(text);
      open = runs.find((run) => (run[0] < hold || run === alreadyShown) && run[1] >= hold);
      // Of a run that reaches the undecided end, only the bytes a value could start in to extend it.
      if (open) hold = Math.max(open[0], Math.min(hold, open[1] - this.longest + 1));
    }
    this.shown = open ? open[1] - hold : 0;
    this.held = hold === text.length ? Buffer.alloc(0) : Buffer.from(text.subarray(hold));
    const parts: Buffer[] = [];
    let from = 0;
    for (const run of runs) {
      if (run[0] >= hold && run !== open) break;
      parts.push(text.subarray(from, run[0]));
      if (run !== alreadyShown) parts.push(MASKED);
      from = Math.min(run[1], hold);
    }
    if (parts.length === 0) return text.subarray(0, hold);
    parts.push(text.subarray(from, hold));
    return Buffer.concat(parts);
  }

  /** The byte ranges covered by occurrences of the values, merged where they overlap or touch. */
  private runs(text: Buffer): [number, number][] {
    const spans: [number, number][] = this.shown > 0 ? [[0, this.shown]] : [];
    for (const secret of this.secrets) {
      for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1))
        spans.push([at, at + secret.length]);
    }
    return mergedSpans(spans);
  }

  /** Where the earliest end of `text` that is the beginning of a value starts (its length when none). */
  private partialFrom(text: Buffer): number {
    for (let at = Math.max(0, text.length - this.longest + 1); at < text.length; at++) {
      const tail = text.subarray(at);
      if (this.secrets.some((s) => s.length > tail.length && tail.equals(s.subarray(0, tail.length))))
        return at;
    }
    return text.length;
  }
}

const COLON = 0x3a;
const SLASH = 0x2f;

/**
 * Masks URL userinfo in a byte stream. A `://` whose authority has not ended yet (no end character
 * after it, and at most MAX_AUTHORITY bytes so far) may still gain a later `@`, so it is held back
 * from its `:`; so is a trailing `:` or `:/`. Every `://` ends the authority of the one before it,
 * so only the last can be open. Bytes are read as latin1: one character per byte, so a UTF-8
 * character cut between two pieces reads the same as whole.
 */
class UrlCredentialMasker {
  private held: Buffer = Buffer.alloc(0);

  push(data: Buffer): Buffer {
    const text = this.held.length === 0 ? data : Buffer.concat([this.held, data]);
    const keep = text.length - openFrom(text);
    this.held = keep === 0 ? Buffer.alloc(0) : Buffer.from(text.subarray(text.length - keep));
    return mask(text.subarray(0, text.length - keep));
  }

  end(last: Buffer): Buffer {
    const text = this.held.length === 0 ? last : Buffer.concat([this.held, last]);
    this.held = Buffer.alloc(0);
    return mask(text);
  }
}

/** Where the part of `text` that a later byte could still change begins (its length when none). */
function openFrom(text: Buffer): number {
  const n = text.length;
  let from = n;
  if (n >= 1 && text[n - 1] === COLON) from = n - 1;
  else if (n >= 2 && text[n - 2] === COLON && text[n - 1] === SLASH) from = n - 2;
  const at = text.lastIndexOf('://');
  if (at >= 0 && n - (at + 3) <= MAX_AUTHORITY) {
    let open = true;
    for (let i = at + 3; i < n && open; i++) open = !endsAuthority(text[i] as number);
    if (open) from = Math.min(from, at);
  }
  return from;
}

function mask(data: Buffer): Buffer {
  if (data.indexOf('://') < 0) return data;
  const text = data.toString('latin1');
  const masked = maskUrlCredentials(text);
  return masked === text ? data : Buffer.from(masked, 'latin1');
}
