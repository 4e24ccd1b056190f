import { expect, it } from 'vitest';
import { MAX_WAIT_MS, RUNNER_PATHS } from '../../src/protocol/runner-http.ts';
import { createTestKiln } from '../helpers/app.ts';

/**
 * A server stopping (SIGTERM, a rolling restart) while remote runners wait for work on it: it
 * answers them at once with no build (204), and hands none out from then on (the runner could not
 * report on it), instead of holding its shutdown until their waits end (up to MAX_WAIT_MS, 30 s:
 * `kiln serve` gave up after 15 s and exited 1). The test's own limit is 20 s.
 */
it('a closing server answers a waiting runner at once, without a build, and closes', async () => {
  const kiln = await createTestKiln();
  try {
    await kiln.app.listen({ host: '127.0.0.1', port: 0 });
    const address = kiln.app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const admin = await kiln.token();
    const runner = await kiln.call(admin, {
      method: 'POST',
      url: '/v1/kiln/runners',
      payload: { name: 'r1' },
    });
    const token = runner.json().result.token as string;
    // A runner waits for work: as long as the protocol allows, longer than this test may take.
    const waiting = fetch(`${base}${RUNNER_PATHS.next}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ wait_ms: MAX_WAIT_MS }),
    });
    await new Promise((r) => setTimeout(r, 300));
    const closed = kiln.app.close();
    expect((await waiting).status).toBe(204);
    await closed;
  } finally {
    await kiln.close();
  }
}, 20_000);
