/**
 * `android_sign` (shared/spec/build-yaml.md §3.3) from its documented inputs: every file matching
 * `file_path` (a glob, `**` across directories) is signed in place with `apksigner sign`, the
 * keystore `keystore_file`, key `alias`, and the words of `apksigner_commond` (sic) as further
 * options. The passwords reach apksigner through the environment (`--ks-pass env:`), never its
 * command line, which other processes could read. Every value is quoted into the script, never
 * spliced as shell text.
 */

/** The inputs that are required (R in the spec); `apksigner_commond` may be empty. */
const REQUIRED = ['file_path', 'keystore_file', 'alias'] as const;

/** `value` as one bash word. */
function quoted(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The step's bash script, or which required inputs are missing. */
export function androidSignScript(
  inputs: Readonly<Record<string, unknown>>,
): { script: string } | { missing: string[] } {
  const text = (name: string) => {
    const v = inputs[name];
    return typeof v === 'string'
      ? v.trim()
      : typeof v === 'number' || typeof v === 'boolean'
        ? String(v)
        : '';
  };
  const missing = REQUIRED.filter((name) => text(name) === '');
  if (missing.length > 0) return { missing };
  const extra = text('apksigner_commond').split(/\s+/).filter(Boolean).map(quoted).join(' ');
  const keyPass = text('key_password');
  const script = [
    'shopt -s globstar nullglob',
    `pattern=${quoted(text('file_path'))} ks=${quoted(text('keystore_file'))} alias=${quoted(text('alias'))}`,
    `extra=(${extra})`,
    `export KILN_KS_PASS=${quoted(text('keystore_password'))} KILN_KEY_PASS=${quoted(keyPass)}`,
    // IFS empty: the pattern is globbed, never split at its spaces.
    'IFS=; apks=($pattern); unset IFS',
    'if [ ${#apks[@]} -eq 0 ]; then echo "android_sign: no file matches $pattern"; exit 1; fi',
    'for apk in "${apks[@]}"; do',
    '  echo "apksigner sign --ks $ks --ks-key-alias $alias ${extra[*]} $apk"',
    `  apksigner sign --ks "$ks" --ks-key-alias "$alias" --ks-pass env:KILN_KS_PASS${keyPass ? ' --key-pass env:KILN_KEY_PASS' : ''} "\${extra[@]}" "$apk"`,
    'done',
    '',
  ].join('\n');
  return { script };
}
