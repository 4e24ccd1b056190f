import { endianness } from 'node:os';

/**
 * The seccomp filter every sandbox runs under (bwrap's `--seccomp FD`): a classic BPF program, as
 * the kernel reads it, that refuses two things and allows everything else.
 *
 * - The kernel keyring system calls (add_key, request_key, keyctl), with ENOSYS, as if the kernel
 *   had no keyrings. Keyrings are not namespaced by bubblewrap's namespaces: with a root runner
 *   each slot's builds run as one uid in the host's user namespace, whose user keyring (`@u`, and
 *   `@s` falling back to it) outlives the build, so a build could leave keys for a later build of
 *   another job to read, or fill the uid's key quota for all of them. ENOSYS, not EPERM: programs
 *   that use keyrings when they can (Kerberos' KEYRING cache, keyutils) fall back as on a kernel
 *   built without them.
 * - New user namespaces (clone or unshare with CLONE_NEWUSER), with EPERM. In one a build is root
 *   over its own namespaces and reaches the kernel's code for them (netfilter, mounts), where most
 *   local privilege escalations of recent years start; a runner that is not root already forbids
 *   them (bwrap's `--disable-userns`), and this holds for a root runner too. clone3 passes its
 *   flags in memory a filter cannot read, so it answers ENOSYS, and the C library falls back to
 *   clone, whose flags the filter reads.
 *
 * Docker's default seccomp profile refuses these calls too (and more).
 */

/** `struct seccomp_data`: the system call's number, its audit architecture, then its arguments. */
const NR = 0;
const ARCH = 4;
/** The low 32 bits of the first argument (the flags of clone and unshare) in the host's order. */
const ARG0_LOW = 16 + (endianness() === 'LE' ? 0 : 4);

const BPF_LD_W_ABS = 0x20;
const BPF_JMP_JEQ_K = 0x15;
const BPF_JMP_JSET_K = 0x45;
const BPF_ALU_AND_K = 0x54;
const BPF_RET_K = 0x06;

const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const ENOSYS = 38;
const EPERM = 1;
const CLONE_NEWUSER = 0x10000000;

/** x32's numbers are x86-64's with this bit set (the calls here are shared). */
const X32_SYSCALL_BIT = 0x40000000;

/**
 * The calls in each architecture a process of an x86-64 or arm64 host can make system calls in:
 * 64-bit, and 32-bit compat (`int 0x80` works from a 64-bit process too). `refused`: add_key,
 * request_key, keyctl and clone3; `flagged`: clone and unshare, whose first argument is their flags.
 */
const CALLS: { arch: number; refused: number[]; flagged: number[]; mask?: number }[] = [
  { arch: 0xc000003e, refused: [248, 249, 250, 435], flagged: [56, 272], mask: ~X32_SYSCALL_BIT >>> 0 }, // x86-64, x32
  { arch: 0x40000003, refused: [286, 287, 288, 435], flagged: [120, 310] }, // i386
  { arch: 0xc00000b7, refused: [217, 218, 219, 435], flagged: [220, 97] }, // aarch64 (the generic table)
  { arch: 0x40000028, refused: [309, 310, 311, 435], flagged: [120, 337] }, // arm (EABI)
];

/** Host architectures (Node's `process.arch`) whose processes the filter knows every call of. */
export const FILTERED_ARCHES = ['x64', 'arm64'];

/** An instruction (a conditional one jumps to `yes` when true, else to the next), or a label. */
type Step = { code: number; k: number; yes?: string } | { label: string };

/** The program, with jumps to labels (resolved by `assemble`). */
function program(): Step[] {
  const deny = { code: BPF_RET_K, k: SECCOMP_RET_ERRNO | ENOSYS };
  const allow = { code: BPF_RET_K, k: SECCOMP_RET_ALLOW };
  const steps: Step[] = [{ code: BPF_LD_W_ABS, k: ARCH }];
  CALLS.forEach(({ arch }, i) => steps.push({ code: BPF_JMP_JEQ_K, k: arch, yes: `arch${i}` }));
  // An architecture none of this host's processes can use: refused whole rather than unfiltered.
  steps.push(deny);
  CALLS.forEach(({ refused, flagged, mask }, i) => {
    steps.push({ label: `arch${i}` }, { code: BPF_LD_W_ABS, k: NR });
    if (mask !== undefined) steps.push({ code: BPF_ALU_AND_K, k: mask });
    for (const n of refused) steps.push({ code: BPF_JMP_JEQ_K, k: n, yes: 'deny' });
    for (const n of flagged) steps.push({ code: BPF_JMP_JEQ_K, k: n, yes: 'flags' });
    steps.push(allow);
  });
  steps.push(
    { label: 'flags' },
    { code: BPF_LD_W_ABS, k: ARG0_LOW },
    { code: BPF_JMP_JSET_K, k: CLONE_NEWUSER, yes: 'eperm' },
    allow,
    { label: 'eperm' },
    { code: BPF_RET_K, k: SECCOMP_RET_ERRNO | EPERM },
    { label: 'deny' },
    deny,
  );
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
export function sandboxFilter(): Buffer {
  return assemble(program());
}
