import { describe, expect, it } from 'vitest';
import { SecretMasker } from '../../src/runner/secret-masker.ts';

/**
 * The log masker of a build's output holds back no more than a secret's length, whatever the
 * build prints. Occurrences of a sensitive value that touch merge into one run, and a run that
 * reaches the end of what arrived is held back whole (a value starting there could still extend
 * it): a step that prints its sensitive parameter over and over without a line break (`yes abc |
 * tr -d '\n'`) made the runner hold the whole output, re-joined and searched again at every piece
 * (quadratic: 4 MB of it took a minute of the runner's event loop, which is the server's with its
 * own runner), and the log cap does not stop it, being after the masker.
 */

const CHUNK = 64 * 1024;

describe('a sensitive value printed without end', () => {
  it('is released as it comes, not held back until the step ends', () => {
    const masker = new SecretMasker(['abc']);
    const piece = Buffer.from('abc'.repeat(Math.floor(CHUNK / 3)));
    let released = 0;
    for (let i = 0; i < 16; i++) {
      const out = masker.push(piece);
      expect(out.toString('latin1')).not.toContain('abc');
      released += out.length;
    }
    // 1 MiB of output arrived; a masker that holds back only what a secret's length decides has
    // shown something of it by now (at least its mask).
    expect(released).toBeGreaterThan(0);
    expect(masker.end().toString('latin1')).not.toContain('abc');
  }, 120_000);

  it('still shows one mask for the whole run, and what follows it as it comes', () => {
    const masker = new SecretMasker(['abc', 'cab']);
    const out = ['x', 'abcabca', 'bcab', 'cabc', 'abc!', 'ab', 'c'].map((p) =>
      masker.push(Buffer.from(p)).toString('latin1'),
    );
    expect(out).toEqual(['x', '******', '', '', '!', '', '******']);
    expect(masker.end().toString('latin1')).toBe('');
  });
});
