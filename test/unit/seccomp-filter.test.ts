import { describe, expect, it } from 'vitest';
import { keyringFilter } from '../../src/runner/seccomp-filter.ts';

/**
 * The sandbox's seccomp filter, run by a small classic-BPF interpreter (the few instructions it
 * uses) on the calls the kernel would show it: the keyring calls refused in every architecture a
 * process of an x86-64 or arm64 host can use (32-bit ones too, which this machine may not run),
 * everything else allowed. test/engine/keyring-left-behind.test.ts tries the real thing.
 */

const ALLOW = 0x7fff0000;
const ENOSYS = 0x00050000 | 38;

/** What the filter returns for system call `nr` made in audit architecture `arch`. */
function verdict(filter: Buffer, arch: number, nr: number): number {
  const data = [nr >>> 0, arch >>> 0]; // struct seccomp_data: nr at 0, arch at 4
  let a = 0;
  for (let pc = 0; pc * 8 < filter.length; pc++) {
    const code = filter.readUInt16LE(pc * 8);
    const [jt, jf, k] = [
      filter[pc * 8 + 2] as number,
      filter[pc * 8 + 3] as number,
      filter.readUInt32LE(pc * 8 + 4),
    ];
    if (code === 0x20) a = data[k / 4] as number;
    else if (code === 0x54) a = (a & k) >>> 0;
    else if (code === 0x15) pc += a === k ? jt : jf;
    else if (code === 0x06) return k;
    else throw new Error(`unexpected instruction ${code.toString(16)} at ${pc}`);
  }
  throw new Error('ran past the end');
}

const ARCHES = {
  x86_64: { arch: 0xc000003e, keyring: [248, 249, 250], others: [0, 1, 59, 56, 435, 251, 247] },
  x32: {
    arch: 0xc000003e,
    keyring: [0x40000000 + 248, 0x40000000 + 249, 0x40000000 + 250],
    others: [0x40000000],
  },
  i386: { arch: 0x40000003, keyring: [286, 287, 288], others: [1, 11, 248, 250, 289] },
  aarch64: { arch: 0xc00000b7, keyring: [217, 218, 219], others: [63, 64, 221, 220, 248, 250] },
  arm: { arch: 0x40000028, keyring: [309, 310, 311], others: [3, 4, 11, 250, 312] },
};

describe('the keyring filter', () => {
  const filter = keyringFilter();

  for (const [name, { arch, keyring, others }] of Object.entries(ARCHES)) {
    it(`${name}: refuses add_key, request_key and keyctl with ENOSYS, allows the rest`, () => {
      for (const nr of keyring) expect(verdict(filter, arch, nr), `call ${nr}`).toBe(ENOSYS);
      for (const nr of others) expect(verdict(filter, arch, nr), `call ${nr}`).toBe(ALLOW);
    });
  }

  it('refuses every call of an architecture it does not know', () => {
    expect(verdict(filter, 0xc00000f3 /* riscv64 */, 63)).toBe(ENOSYS);
  });
});
