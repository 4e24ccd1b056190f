import { hostname } from 'node:os';
import { rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDir } from '../helpers/runner.ts';
import { realTimeLogBytes, shell, sleep, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * Build logs: order of stdout and stderr, the real-time log read in small slices while the build
 * runs, concurrent builds, big logs, the log cap, and the per-step download.
 */

let scratch: string;
beforeAll(() => {
  scratch = sharedDir('logs');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('build logs', () => {
  let ek: EngineKiln;
  beforeAll(async () => {
    ek = await startEngineKiln({ runner: { slots: 2 } });
  });
  afterAll(() => ek?.close());

  it('keeps stdout and stderr interleaved in the order they were written', async () => {
    const job = await ek.newJob({
      scms: [],
      steps: [shell('both streams', 'for i in $(seq 1 50); do echo "out $i"; echo "err $i" >&2; done')],
    });
    await ek.run(job);
    expect((await ek.waitFinished(job, 1)).state).toBe('SUCCESS');
    const log = await ek.log(job, 1);
    const lines = log.split('\n').filter((l) => /^(out|err) \d+$/.test(l));
    expect(lines).toEqual(Array.from({ length: 50 }, (_, i) => [`out ${i + 1}`, `err ${i + 1}`]).flat());
    // The first line names the build and the runner that ran it, as Kiln knows it (the server's
    // own runner local:test), and its host.
    expect(log.split('\n')[0]).toBe(
      `[kiln] build ${(await ek.waitFinished(job, 1)).daily_build_number} (#1) on runner test (host ${hostname()}, ${process.platform} ${process.arch}, pool default)`,
    );
  });

  it('DownloadRealTimeLog in 7-byte slices while the build runs: every byte once, in order, no cut characters', async () => {
    const job = await ek.newJob({
      scms: [],
      steps: [shell('utf8', 'for i in $(seq 1 30); do echo "$i héllo ✓ 日本"; sleep 0.03; done')],
    });
    await ek.run(job);
    const parts: Buffer[] = [];
    let offset = 0;
    let calls = 0;
    let sawMoreWhileRunning = false;
    const deadline = Date.now() + 20_000;
    for (;;) {
      expect(Date.now()).toBeLessThan(deadline);
      const res = await ek.get(`/v3/jobs/${job}/1/real-time-log?offset=${offset}&length=7`);
      expect(res.statusCode).toBe(200);
      const r = res.json().result;
      calls++;
      const bytes = Buffer.from(r.content, 'utf8');
      expect(r.current_offset).toBe(offset);
      expect(bytes.length).toBeLessThanOrEqual(7);
      expect(r.content).not.toContain('\uFFFD');
      expect(r.offset).toBe(offset + bytes.length);
      parts.push(bytes);
      offset = r.offset;
      if (!r.has_more_data) break;
      sawMoreWhileRunning ||= (await ek.record(job, 1)).job_running_status !== 'Finished';
      if (bytes.length === 0) await sleep(10);
    }
    // has_more_data went false only once the build was over and everything was read.
    const record = await ek.record(job, 1);
    expect(record.job_running_status).toBe('Finished');
    expect(record.state).toBe('SUCCESS');
    expect(sawMoreWhileRunning).toBe(true);
    const whole = await realTimeLogBytes(ek, job, 1, 1_000_000, true);
    const followed = Buffer.concat(parts);
    expect(followed.length).toBe(whole.length);
    expect(followed.equals(whole)).toBe(true);
    expect(calls).toBeGreaterThan(whole.length / 7);
    const lines = followed
      .toString('utf8')
      .split('\n')
      .filter((l) => l.includes('héllo'));
    expect(lines).toEqual(Array.from({ length: 30 }, (_, i) => `${i + 1} héllo ✓ 日本`));
    // Past the end: nothing more, and still finished.
    const after = (await ek.get(`/v3/jobs/${job}/1/real-time-log?offset=${offset}&length=7`)).json().result;
    expect(after).toMatchObject({ content: '', has_more_data: false, offset, current_offset: offset });
  });

  it('DownloadRealTimeLog with a length shorter than one character still makes progress and ends', async () => {
    const job = await ek.newJob({ scms: [], steps: [shell('wide', 'echo "日本 ✓ é 𝄞"')] });
    await ek.run(job);
    expect((await ek.waitFinished(job, 1)).state).toBe('SUCCESS');
    const whole = await realTimeLogBytes(ek, job, 1, 1_000_000, true);
    for (const length of [1, 2]) {
      const parts: Buffer[] = [];
      let offset = 0;
      for (let calls = 0; ; calls++) {
        // A client looping on `offset` must reach the end: at most one call per byte.
        expect(calls, `length=${length}: stuck at offset ${offset}`).toBeLessThanOrEqual(whole.length + 1);
        const r = (await ek.get(`/v3/jobs/${job}/1/real-time-log?offset=${offset}&length=${length}`)).json()
          .result;
        expect(r.content).not.toContain('\uFFFD');
        parts.push(Buffer.from(r.content, 'utf8'));
        offset = r.offset;
        if (!r.has_more_data) break;
      }
      expect(Buffer.concat(parts).equals(whole)).toBe(true);
    }
  });

  it('does not mix the logs of builds writing at the same time', async () => {
    const go = join(scratch, 'go');
    const command = (word: string) =>
      `echo ready; while [ ! -f ${go} ]; do sleep 0.02; done\nfor i in $(seq 1 300); do echo "${word} $i"; if [ $((i % 30)) -eq 0 ]; then sleep 0.01; fi; done`;
    const alpha = await ek.newJob({ scms: [], steps: [shell('words', command('alpha'))] });
    const bravo = await ek.newJob({ scms: [], steps: [shell('words', command('bravo'))] });
    await ek.run(alpha);
    await ek.run(bravo);
    await ek.waitLog(alpha, 1, /^ready$/m);
    await ek.waitLog(bravo, 1, /^ready$/m);
    writeFileSync(go, '');
    for (const [job, word, other] of [
      [alpha, 'alpha', 'bravo'],
      [bravo, 'bravo', 'alpha'],
    ] as const) {
      expect((await ek.waitFinished(job, 1)).state).toBe('SUCCESS');
      const log = await ek.log(job, 1);
      expect(log).not.toContain(other);
      const lines = log.split('\n').filter((l) => l.startsWith(`${word} `));
      expect(lines).toEqual(Array.from({ length: 300 }, (_, i) => `${word} ${i + 1}`));
    }
  });

  it("starts Kiln's own lines on a line of their own after output that did not end its last line", async () => {
    const job = await ek.newJob({
      scms: [],
      steps: [
        shell('bar', "for i in 1 2 3; do printf 'progress %s%%\\r' $i; done"),
        shell('tail', "printf 'no newline at the end'"),
      ],
    });
    await ek.run(job);
    expect((await ek.waitFinished(job, 1)).state).toBe('SUCCESS');
    const lines = (await ek.log(job, 1)).split('\n');
    expect(lines.slice(1)).toEqual([
      '[kiln] step 1/2 "bar"',
      'progress 1%\rprogress 2%\rprogress 3%\r',
      expect.stringMatching(/^\[kiln\] step "bar" succeeded in /),
      '[kiln] step 2/2 "tail"',
      'no newline at the end',
      expect.stringMatching(/^\[kiln\] step "tail" succeeded in /),
      '[kiln] build finished: SUCCESS',
      '',
    ]);
  });

  it('handles a 10 MB log: DownloadBuildLog returns it whole as application/octet-stream', async () => {
    const job = await ek.newJob({
      scms: [],
      steps: [
        shell('big', "head -c 10000000 /dev/zero | tr '\\0' 'x' | fold -w 100; echo"),
        shell('after', 'echo after-big'),
      ],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1, 60_000);
    expect(r.state).toBe('SUCCESS');
    const followed = await realTimeLogBytes(ek, job, 1, 1_000_000, true);
    const xLine = 'x'.repeat(100);
    const countX = (text: string) => text.split('\n').filter((l) => l === xLine).length;
    expect(countX(followed.toString('utf8'))).toBe(100_000);

    const recordId = (await ek.recordInfo(job, 1)).id;
    const res = await ek.get(`/v4/${recordId}/download-log`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/octet-stream/);
    expect(res.rawPayload.length).toBe(followed.length);
    expect(res.rawPayload.equals(followed)).toBe(true);
    expect(res.body).toContain('after-big');
  });

  it('serves the log twins: v1 and v3 downloads (gzip with compress=true) and v1 pages of `size` bytes', async () => {
    const job = await ek.newJob({
      scms: [],
      steps: [shell('lines', 'for i in $(seq 1 200); do echo "line $i ✓"; done')],
    });
    await ek.run(job);
    expect((await ek.waitFinished(job, 1)).state).toBe('SUCCESS');
    const recordId = (await ek.recordInfo(job, 1)).id;
    const whole = (await ek.get(`/v4/${recordId}/download-log`)).rawPayload;
    expect(whole.toString('utf8')).toContain('line 200 ✓');

    const v3 = await ek.get(`/v3/${recordId}/download-log`);
    expect(v3.headers['content-type']).toMatch(/^application\/octet-stream/);
    expect(v3.rawPayload.equals(whole)).toBe(true);
    const plain = await ek.get(`/v1/log/${recordId}/download-log`);
    expect(plain.rawPayload.equals(whole)).toBe(true);
    const zipped = await ek.get(`/v1/log/${recordId}/download-log?compress=true`);
    expect(zipped.headers['content-type']).toMatch(/^application\/octet-stream/);
    expect(zipped.headers['content-disposition']).toBe(`attachment; filename="${recordId}.log.gz"`);
    expect(gunzipSync(zipped.rawPayload).equals(whole)).toBe(true);
    expect((await ek.get(`/v1/log/${recordId}/download-log?compress=maybe`)).statusCode).toBe(400);

    // Pages of at most `size` bytes, never cutting a character, end to end.
    const pages: Buffer[] = [];
    for (let offset = 0, more = true; more;) {
      const res = await ek.get(`/v1/log/${job}/1/real-time-log?start_offset=${offset}&end_offset=0&size=100`);
      expect(res.statusCode, res.body).toBe(200);
      const { result } = res.json();
      const bytes = Buffer.from(result.log as string, 'utf8');
      expect(bytes.length).toBeLessThanOrEqual(100);
      expect(Number(result.start_offset)).toBe(offset);
      pages.push(bytes);
      offset = Number(result.end_offset);
      more = result.has_more as boolean;
    }
    expect(Buffer.concat(pages).equals(whole)).toBe(true);
    // Backwards in pages of 4 bytes (one character at most): every page moves, the whole log comes back.
    const back: Buffer[] = [];
    for (let end = whole.length, more = true, guard = 0; more; guard++) {
      expect(guard).toBeLessThan(whole.length);
      const res = await ek.get(`/v1/log/${job}/1/real-time-log?end_offset=${end}&sort=DESC&size=4`);
      const { result } = res.json();
      expect(Number(result.end_offset)).toBe(end);
      expect(Number(result.start_offset)).toBeLessThan(end);
      back.unshift(Buffer.from(result.log as string, 'utf8'));
      end = Number(result.start_offset);
      more = result.has_more as boolean;
    }
    expect(Buffer.concat(back).equals(whole)).toBe(true);
    expect((await ek.get(`/v1/log/${job}/1/real-time-log?size=3`)).statusCode).toBe(400);
    expect((await ek.get(`/v1/log/${job}/1/real-time-log?size=0`)).statusCode).toBe(400);
    expect((await ek.get(`/v1/log/${job}/1/real-time-log`)).statusCode).toBe(400);
  });

  it("DownloadTaskLog returns only the named step's output; an unknown step is a 404", async () => {
    const job = await ek.newJob({
      scms: [],
      steps: [
        shell('compile', 'echo compile-output; echo compile-error >&2'),
        shell('unit tests ✓', 'echo test-output-1; echo test-output-2 >&2'),
        shell('package', 'echo package-output'),
      ],
    });
    await ek.run(job);
    expect((await ek.waitFinished(job, 1)).state).toBe('SUCCESS');
    const recordId = (await ek.recordInfo(job, 1)).id;
    const task = async (name: string) =>
      ek.get(`/v4/${recordId}/task-log?task_name=${encodeURIComponent(name)}`);

    const tests = await task('unit tests ✓');
    expect(tests.statusCode).toBe(200);
    expect(tests.headers['content-type']).toMatch(/^application\/octet-stream/);
    expect(tests.body).toContain('test-output-1\ntest-output-2\n');
    for (const other of ['compile-output', 'compile-error', 'package-output'])
      expect(tests.body).not.toContain(other);

    const compile = await task('compile');
    expect(compile.body).toContain('compile-output\ncompile-error\n');
    expect(compile.body).not.toContain('test-output');
    expect(compile.body).not.toContain('package-output');

    // The steps' parts are pieces of the whole log.
    const whole = (await ek.get(`/v4/${recordId}/download-log`)).body;
    expect(whole).toContain(compile.body);
    expect(whole).toContain(tests.body);

    const unknown = await task('no such step');
    expect(unknown.statusCode).toBe(404);
    expect(Object.keys(unknown.json()).sort()).toEqual(['error_code', 'error_msg']);

    // log_level: INFO (the default) is the log as written; DEBUG adds what Kiln knows of the build.
    const info = (await ek.get(`/v4/${recordId}/download-log?log_level=info`)).body;
    expect(info).toBe(whole);
    const debug = (await ek.get(`/v4/${recordId}/download-log?log_level=DEBUG`)).body;
    expect(debug.startsWith(whole)).toBe(true);
    const added = debug
      .slice(whole.length)
      .split('\n')
      .filter((l) => l !== '');
    expect(added.every((l) => l.startsWith('[kiln debug] '))).toBe(true);
    expect(added[0]).toBe(
      `[kiln debug] record ${recordId}, job ${job}, build #1 (${(await ek.waitFinished(job, 1)).daily_build_number})`,
    );
    expect(added).toContainEqual(
      expect.stringMatching(
        /^\[kiln debug\] step 2 "unit tests ✓" \(kiln\.shell\): success, \S+ to \S+ \(\d+ ms\), log bytes \d+-\d+$/,
      ),
    );
    expect(added.at(-1)).toBe(`[kiln debug] log ${Buffer.byteLength(whole)} bytes`);
    const full = await ek.get(`/v1/log/${recordId}/download-log?log_level=DEBUG&compress=false`);
    expect(full.body).toBe(debug);
    const stepDebug = (await ek.get(`/v4/${recordId}/task-log?task_name=compile&log_level=debug`)).body;
    expect(stepDebug).toBe(`${compile.body}${stepDebug.slice(compile.body.length)}`);
    expect(stepDebug.slice(compile.body.length)).toMatch(
      /^\[kiln debug\] step 1 "compile" \(kiln\.shell\): success, .*\n$/,
    );
    const bad = await ek.get(`/v4/${recordId}/download-log?log_level=TRACE`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error_msg).toContain('log_level "TRACE" is neither INFO nor DEBUG');
  });
});

describe('the log cap', () => {
  let ek: EngineKiln;
  beforeAll(async () => {
    ek = await startEngineKiln({ runner: { slots: 1 }, logMaxBytes: 100_000 });
  });
  afterAll(() => ek?.close());

  it('cuts a log past logMaxBytes with a line saying so; the build still finishes SUCCESS', async () => {
    const job = await ek.newJob({
      scms: [],
      steps: [
        shell('flood', "head -c 300000 /dev/zero | tr '\\0' 'y' | fold -w 100; echo; echo after-cap"),
        shell('more', 'echo second-step-ran > /dev/null; echo second-step'),
      ],
    });
    await ek.run(job);
    const r = await ek.waitFinished(job, 1, 20_000);
    expect(r.state).toBe('SUCCESS');
    const log = await realTimeLogBytes(ek, job, 1, 1_000_000, true);
    expect(log.length).toBeGreaterThan(90_000);
    expect(log.length).toBeLessThanOrEqual(100_000 + 4_096);
    const text = log.toString('utf8');
    const lines = text.split('\n');
    const cut = lines.findIndex((l) => l.startsWith('[kiln] the log reached 100000 bytes'));
    expect(cut).toBeGreaterThan(0);
    // The cut falls on a line end: every output line before it is whole.
    expect(
      lines
        .slice(0, cut)
        .filter((l) => /^y+$/.test(l))
        .every((l) => l.length === 100),
    ).toBe(true);
    expect(text).not.toContain('after-cap');
    // Kiln's own closing lines are kept past the cap, with how much output was dropped.
    expect(lines.slice(cut + 1)).toEqual([
      expect.stringMatching(/^\[kiln\] step "flood" succeeded in /),
      expect.stringMatching(/^\[kiln\] step 2\/2 "more"$/),
      expect.stringMatching(/^\[kiln\] step "more" succeeded in /),
      expect.stringMatching(
        /^\[kiln\] \d+ bytes of output were not kept: the log is capped at 100000 bytes \(KILN_LOG_MAX_BYTES\)$/,
      ),
      '[kiln] build finished: SUCCESS',
      '',
    ]);
    const dropped = Number(/(\d+) bytes of output were not kept/.exec(text)?.[1]);
    // The flood is 3,000 lines of 100 y's (303,000 bytes with their line ends), then after-cap and
    // the second step's line: all of it but the whole lines kept before the cut.
    const keptLines = lines.slice(0, cut).filter((l) => /^y+$/.test(l)).length;
    expect(dropped).toBe(303_000 + 'after-cap\n'.length + 'second-step\n'.length - keptLines * 101);
    expect((await ek.details(job, 1)).build_steps.map((s) => s.status)).toEqual(['success', 'success']);
    const recordId = (await ek.recordInfo(job, 1)).id;
    const full = await ek.get(`/v4/${recordId}/download-log`);
    expect(full.rawPayload.equals(log)).toBe(true);
  });
});
