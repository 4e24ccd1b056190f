import pg from 'pg';
import { OutageWatch } from '../../domain/outage.ts';
import { Backoff } from '../../domain/retry.ts';
import type { Notifier } from '../ports.ts';

const CHANNEL = 'kiln_events';

/**
 * LISTEN/NOTIFY on one channel. The listening connection is its own client (a pooled one would be
 * recycled), and it reconnects with backoff when the database goes away; events sent while it is
 * down are lost, which listeners tolerate because they also poll. `onError` hears the first failure
 * of each outage and `onRecovered` its end, not every attempt in between.
 */
export class PgNotifier implements Notifier {
  constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    private readonly onError: (error: Error) => void = () => {},
    private readonly onRecovered: (downMs: number) => void = () => {},
  ) {}

  async publish(topic: string, payload: string): Promise<void> {
    await this.pool.query('select pg_notify($1, $2)', [CHANNEL, JSON.stringify([topic, payload])]);
  }

  async subscribe(handler: (topic: string, payload: string) => void): Promise<() => Promise<void>> {
    let client: pg.Client | undefined;
    let stopped = false;
    const backoff = new Backoff({ firstMs: 250, maxMs: 5_000 });
    const outage = new OutageWatch((change) =>
      change.down ? this.onError(change.error as Error) : this.onRecovered(change.downMs),
    );
    const connect = async (): Promise<void> => {
      if (stopped) return;
      const c = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000 });
      c.on('notification', (msg) => {
        try {
          const [topic, payload] = JSON.parse(msg.payload ?? '[]') as [string, string];
          handler(topic, payload);
        } catch {
          // A foreign payload on our channel: ignore it.
        }
      });
      c.on('error', (err) => {
        outage.failed(err);
        reconnect(c);
      });
      c.on('end', () => reconnect(c));
      try {
        await c.connect();
        await c.query(`listen ${CHANNEL}`);
        client = c;
        backoff.reset();
        outage.succeeded();
      } catch (err) {
        outage.failed(err);
        reconnect(c);
      }
    };
    const reconnect = (c: pg.Client) => {
      if (stopped || (client !== c && client !== undefined)) return;
      client = undefined;
      c.removeAllListeners('end');
      c.end().catch(() => {});
      setTimeout(() => void connect(), backoff.next()).unref();
    };
    await connect();
    return async () => {
      stopped = true;
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    };
  }
}
