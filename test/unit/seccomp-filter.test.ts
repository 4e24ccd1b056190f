import { describe, expect, it } from 'vitest';
import { sandboxFilter } from '../../src/runner/seccomp-filter.ts';

/**
 * The sandbox's seccomp filter, run by a small classic-BPF interpreter (the few instructions it
 * uses) on the calls the kernel would show it: the keyring calls and clone3 refused, clone and
 * unshare refused when they would make a user namespace, in every architecture a process of an
 * x86-64 or arm64 host can use (32-bit ones too, which this machine may not run), everything else
 * allowed. test/engine/seccomp-refusals.test.ts tries the
 * real thing.
 */

const ALLOW = 0x7fff0000;
const ENOSYS = 0x00050000 | 38;
const EPERM = 0x00050000 | 1;
const CLONE_NEWUSER = 0x10000000;

/**
 * What the filter returns for system call `nr` made in audit architecture `arch` with `arg0` as
 * its first argument (a little-endian host: its low 32 bits at 16).
 */
function verdict(filter: Buffer, arch: number, nr: number, arg0 = 0): number {
  // struct seccomp_data: nr at 0, arch at 4, the instruction pointer at 8, args[0] at 16.
  const data = [nr >>> 0, arch >>> 0, 0, 0, arg0 >>> 0, 0];
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
    else if (code === 0x45) pc += (a & k) !== 0 ? jt : jf;
    else if (code === 0x06) return k;
    else throw new Error(`unexpected instruction ${code.toString(16)} at ${pc}`);
  }
  throw new Error('ran past the end');
}

const ARCHES = {
  x86_64: {
    arch: 0xc000003e,
    refused: [248, 249, 250, 435],
    flagged: [56, 272],
    others: [0, 1, 59, 57, 58, 251, 247],
  },
  x32: {
    arch: 0xc000003e,
    refused: [248, 249, 250, 435].map((n) => 0x40000000 + n),
    flagged: [56, 272].map((n) => 0x40000000 + n),
    others: [0x40000000],
  },
  i386: {
    arch: 0x40000003,
    refused: [286, 287, 288, 435],
    flagged: [120, 310],
    others: [1, 2, 11, 248, 250, 289],
  },
  aarch64: {
    arch: 0xc00000b7,
    refused: [217, 218, 219, 435],
    flagged: [220, 97],
    others: [63, 64, 221, 248, 250],
  },
  arm: {
    arch: 0x40000028,
    refused: [309, 310, 311, 435],
    flagged: [120, 337],
    others: [2, 3, 4, 11, 250, 312],
  },
};

describe('the sandbox filter', () => {
  const filter = sandboxFilter();

  for (const [name, { arch, refused, flagged, others }] of Object.entries(ARCHES)) {
    it(`${name}: refuses the keyring calls and clone3 with ENOSYS, a new user namespace with EPERM, allows the rest`, () => {
      for (const nr of refused) expect(verdict(filter, arch, nr), `call ${nr}`).toBe(ENOSYS);
      for (const nr of flagged) {
        // clone and unshare: a thread, a fork, a new mount or network namespace pass (the kernel
        // then asks for the capabilities those need); CLONE_NEWUSER, alone or with others, does not.
        for (const flags of [0, 0x3d0f00 /* a thread */, 0x11 /* SIGCHLD, a fork */, 0x20000, 0x40000000])
          expect(verdict(filter, arch, nr, flags), `call ${nr} flags ${flags.toString(16)}`).toBe(ALLOW);
        for (const flags of [CLONE_NEWUSER, CLONE_NEWUSER | 0x40020000, 0xffffffff])
          expect(verdict(filter, arch, nr, flags), `call ${nr} flags ${flags.toString(16)}`).toBe(EPERM);
      }
      for (const nr of others) {
        expect(verdict(filter, arch, nr), `call ${nr}`).toBe(ALLOW);
        // Only clone's and unshare's first argument is read as flags.
        expect(verdict(filter, arch, nr, CLONE_NEWUSER), `call ${nr}`).toBe(ALLOW);
      }
    });
  }

  it('refuses every call of an architecture it does not know', () => {
    expect(verdict(filter, 0xc00000f3 /* riscv64 */, 63)).toBe(ENOSYS);
  });
});
