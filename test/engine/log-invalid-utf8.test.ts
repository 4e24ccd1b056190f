import { afterAll, beforeAll, expect, it } from 'vitest';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * A build that writes bytes that are not UTF-8 (binary output, a Latin-1 file cat'ed) gets them
 * stored as U+FFFD (runner/utf8-sanitizer.ts), so its log is stored as the text every reader
 * decodes: a byte offset counted in that text (paging, "show more", a step's log offsets) is an
 * offset in the store.
 */

let ek: EngineKiln;
beforeAll(async () => {
  ek = await startEngineKiln();
});
afterAll(() => ek?.close());

it('stores output that is not UTF-8 as U+FFFD: each page of the log is as many bytes as its offsets say', async () => {
  const job = await ek.newJob({
    scms: [],
    steps: [shell('binary', "printf '\\xff\\xfe ok\\n'; printf 'caf\\xe9\\n'; printf 'cut \\xf0\\x9f\\x98'")],
  });
  await ek.run(job);
  const record = await ek.waitFinished(job, 1);
  expect(record.state).toBe('SUCCESS');

  // DownloadRealTimeLog in 5-byte pages: each page's text is exactly the bytes between its offsets.
  const parts: Buffer[] = [];
  for (let offset = 0; ;) {
    const r = (await ek.get(`/v3/jobs/${job}/1/real-time-log?offset=${offset}&length=5`)).json().result;
    const bytes = Buffer.from(r.content, 'utf8');
    expect(r.current_offset).toBe(offset);
    expect(r.offset - r.current_offset).toBe(bytes.length);
    parts.push(bytes);
    offset = r.offset;
    if (!r.has_more_data) break;
  }
  const text = Buffer.concat(parts).toString('utf8');
  expect(text).toContain('\n\uFFFD\uFFFD ok\ncaf\uFFFD\ncut \uFFFD\n[kiln] ');

  // The stored bytes are valid UTF-8, and as many as the decoded text's.
  const recordId = (await ek.recordInfo(job, 1)).id;
  const stored = Buffer.from(await ek.kiln.storage.logs.read(recordId, 0, 1_000_000));
  expect(stored.toString('utf8')).toBe(text);
  expect(Buffer.from(stored.toString('utf8'), 'utf8').equals(stored)).toBe(true);
  expect(await ek.kiln.storage.logs.size(recordId)).toBe(Buffer.byteLength(text));
  const page = (await ek.get(`/v1/log/stage/page?job_id=${job}&build_no=1&start_offset=0`)).json().result;
  expect(page.log).toBe(text);
  expect(Number(page.end_offset)).toBe(Buffer.byteLength(text));
});
