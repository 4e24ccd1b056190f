import { endianness } from 'node:os';

/**
 * The seccomp filter every sandbox runs under (bwrap's `--seccomp FD`): a classic BPF program, as
 * the kernel reads it, that refuses the kernel keyring system calls (add_key, request_key, keyctl)
 * with ENOSYS, as if the kernel had no keyrings, and allows everything else. Keyrings are not
 * namespaced by bubblewrap's namespaces: with a root runner each slot's builds run as one uid in
 * the host's user namespace, whose user keyring (`@u`, and `@s` falling back to it) outlives the
 * build, so a build could leave keys for a later build of another job to read, or fill the uid's
 * key quota for all of them. Docker's default seccomp profile refuses the same calls. ENOSYS, not
 * EPERM: programs that use keyrings when they can (Kerberos' KEYRING cache, keyutils) fall back as
 * on a kernel built without them.
 */

/** `struct seccomp_data`: the system call's number, then the audit architecture it was made in. */
const NR = 0;
const ARCH = 4;

const BPF_LD_W_ABS = 0x20;
const BPF_JMP_JEQ_K = 0x15;
const BPF_ALU_AND_K = 0x54;
const BPF_RET_K = 0x06;

const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const ENOSYS = 38;

/** x32's numbers are x86-64's with this bit set (add_key, request_key and keyctl are shared). */
const X32_SYSCALL_BIT = 0x40000000;

/**
 * add_key, request_key and keyctl in each architecture a process of an x86-64 or arm64 host can
 * make system calls in: 64-bit, and 32-bit compat (`int 0x80` works from a 64-bit process too).
 */
const KEYRING_CALLS: { arch: number; numbers: number[]; mask?: number }[] = [
  { arch: 0xc000003e, numbers: [248, 249, 250], mask: ~X32_SYSCALL_BIT >>> 0 }, // x86-64, x32
  { arch: 0x40000003, numbers: [286, 287, 288] }, // i386
  { arch: 0xc00000b7, numbers: [217, 218, 219] }, // aarch64 (the generic table)
  { arch: 0x40000028, numbers: [309, 310, 311] }, // arm (EABI)
];

/** Host architectures (Node's `process.arch`) whose processes the filter knows every call of. */
export const FILTERED_ARCHES = ['x64', 'arm64'];

/** An instruction (a conditional one jumps to `yes` when true, else to the next), or a label. */
type Step = { code: number; k: number; yes?: string } | { label: string };

/** The program, with jumps to labels (resolved by `assemble`). */
function program(): Step[] {
  const deny = { code: BPF_RET_K, k: SECCOMP_RET_ERRNO | ENOSYS };
  const steps: Step[] = [{ code: BPF_LD_W_ABS, k: ARCH }];
  KEYRING_CALLS.forEach(({ arch }, i) => steps.push({ code: BPF_JMP_JEQ_K, k: arch, yes: `arch${i}` }));
  // An architecture none of this host's processes can use: refused whole rather than unfiltered.
  steps.push(deny);
  KEYRING_CALLS.forEach(({ numbers, mask }, i) => {
    steps.push({ label: `arch${i}` }, { code: BPF_LD_W_ABS, k: NR });
    if (mask !== undefined) steps.push({ code: BPF_ALU_AND_K, k: mask });
    for (const n of numbers) steps.push({ code: BPF_JMP_JEQ_K, k: n, yes: 'deny' });
    steps.push({ code: BPF_RET_K, k: SECCOMP_RET_ALLOW });
  });
  steps.push({ label: 'deny' }, deny);
  return steps;
}

type Insn = Exclude<Step, { label: string }>;

/** `steps` as `struct sock_filter` bytes (u16 code, u8 jt, u8 jf = 0, u32 k; host order). */
function assemble(steps: Step[]): Buffer {
  const insns: Insn[] = [];
  const at = new Map<string, number>();
  for (const s of steps) {
    if ('label' in s) at.set(s.label, insns.length);
    else insns.push(s);
  }
  const le = endianness() === 'LE';
  const out = Buffer.alloc(insns.length * 8);
  insns.forEach((s, i) => {
    // Jumps are forward only, counted from the next instruction.
    const offset = (label: string | undefined) => {
      if (label === undefined) return 0;
      const jump = (at.get(label) ?? -1) - i - 1;
      if (jump < 0 || jump > 255) throw new Error(`seccomp filter: no jump to ${label} from ${i}`);
      return jump;
    };
    if (le) out.writeUInt16LE(s.code, i * 8);
    else out.writeUInt16BE(s.code, i * 8);
    out.writeUInt8(offset(s.yes), i * 8 + 2);
    if (le) out.writeUInt32LE(s.k >>> 0, i * 8 + 4);
    else out.writeUInt32BE(s.k >>> 0, i * 8 + 4);
  });
  return out;
}

/** The filter's bytes, for bwrap's `--seccomp FD`. */
export function keyringFilter(): Buffer {
  return assemble(program());
}
