import { spawnSync } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { brotliDecompressSync, createBrotliDecompress } from 'node:zlib';

/**
 * The headless Chromium that the devDependency `@sparticuz/chromium` ships inside its npm tarball
 * (brotli-compressed: the browser, the NSS/NSPR/expat libraries it links, SwiftShader and a font),
 * for machines without Debian's `chromium`: `npm ci` is all it takes, nothing is downloaded.
 * The package's own `executablePath()` unpacks into a shared `/tmp/chromium` and trusts whatever it
 * finds there, so this unpacks the same files once per package version under
 * node_modules/.cache/, into a temporary directory renamed into place when whole (two test
 * processes unpacking at once both end with the same complete directory).
 */
export interface NpmChromium {
  /** The package's version: its major is the browser's. */
  version: string;
  executablePath: string;
  /** What the browser's process needs besides the usual environment: its libraries and fonts. */
  env: Record<string, string>;
}

export async function npmChromium(): Promise<NpmChromium> {
  const require = createRequire(import.meta.url);
  // The package's exports name only its code (build/cjs/index.cjs); its root is two levels up.
  const root = join(dirname(require.resolve('@sparticuz/chromium')), '..', '..');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const dir = join(root, '..', '..', '.cache', `kiln-chromium-${version}`);
  if (!existsSync(join(dir, 'chromium'))) await unpack(join(root, 'bin'), dir);
  const system = process.env.LD_LIBRARY_PATH;
  return {
    version,
    executablePath: join(dir, 'chromium'),
    env: {
      LD_LIBRARY_PATH: system ? `${join(dir, 'lib')}:${system}` : join(dir, 'lib'),
      FONTCONFIG_PATH: dir,
    },
  };
}

async function unpack(bin: string, dir: string): Promise<void> {
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    await pipeline(
      createReadStream(join(bin, 'chromium.br')),
      createBrotliDecompress(),
      createWriteStream(join(partial, 'chromium'), { mode: 0o755 }),
    );
    // lib/ (NSS, NSPR, expat: not on a machine without a browser), SwiftShader's GL beside the
    // binary where Chromium looks for it, fonts/ (Open Sans).
    for (const archive of ['al2023.tar.br', 'swiftshader.tar.br', 'fonts.tar.br'])
      untarBrotli(join(bin, archive), partial);
    // The package's fonts.conf names Lambda's directories; this one names the unpacked font and
    // the machine's own fonts, if it has any.
    writeFileSync(
      join(partial, 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
        `  <dir>${join(dir, 'fonts')}</dir>\n  <dir>/usr/share/fonts</dir>\n` +
        `  <cachedir>${join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
    );
    try {
      renameSync(partial, dir);
    } catch (error) {
      // Another process renamed its own whole copy first: keep that one.
      if (!existsSync(join(dir, 'chromium'))) throw error;
    }
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

/**
 * Unpacks a .tar.br (a few MB) into `into` with the system's tar (Debian's essential `tar`). Whole,
 * not streamed: tar stops reading at the archive's end marker, which would break a pipe into it.
 */
function untarBrotli(archive: string, into: string): void {
  const tar = spawnSync('tar', ['-x', '-f', '-', '-C', into], {
    input: brotliDecompressSync(readFileSync(archive)),
  });
  if (tar.error) throw tar.error;
  if (tar.status !== 0) throw new Error(`tar exited ${tar.status} on ${archive}: ${tar.stderr.toString()}`);
}
