import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.ts';
import { noticeLink } from '../domain/notice-messages.ts';
import { NOTICE_DEADLINE_MS, retryDelay, type NoticePayload, type ParamConfig } from '../domain/notices.ts';
import type { NotificationRecord, NotificationState, Storage } from '../storage/ports.ts';
import { deliver, type Delivery, type MailSend } from './notice-channels.ts';
import type { SecretBox } from './secret-box.ts';

/** How the sender retries; the defaults suit a receiver that is down for minutes or hours. */
export interface NoticeSenderOptions {
  /** Names this server in the attempts it records (and in its claims). */
  server: string;
  /** The dashboard's address, for the links in messages. */
  linkBase: () => string;
  /** First wait after a failed attempt (doubles each time, with jitter). Default 2 s. */
  retryBaseMs?: number;
  /** Longest wait between attempts. Default 5 min. */
  retryCapMs?: number;
  /** How long after its event a notification is given up. Default 24 h. */
  deadlineMs?: number;
  /** How long one attempt may take. Default 10 s. */
  attemptTimeoutMs?: number;
  mail?: MailSend | undefined;
  /** For tests of the jitter; Math.random by default. */
  random?: () => number;
  /**
   * While sends are in flight, how often the sender looks for what fell due meanwhile. Default 1 s,
   * the engine's pace: its loop waits for the tick, so it does not kick the sender meanwhile.
   */
  pollMs?: number;
}

/** Notifications in flight at most (they are sent concurrently). */
const BATCH = 20;

/** Ended notifications (and their attempts) are kept this long for the delivery history. */
export const NOTIFICATION_KEEP_MS = 30 * 24 * 3600_000;
/** Inbox messages are kept this long. */
export const INBOX_KEEP_MS = 180 * 24 * 3600_000;

/**
 * Delivers the outbox (notice-outbox.ts): claims due notifications for a lease longer than an
 * attempt can take, sends each over its channel with the job's current settings, and records the
 * attempt with where it leaves the notification: delivered, due again after a backoff with jitter,
 * or given up past the deadline. A server that dies mid-delivery leaves its claims to run out;
 * another server (or this one, restarted) sends them again, so a receiver may see a delivery twice
 * then, with the same X-Kiln-Delivery id. Several servers claim different rows (NoticeStore.claimDue).
 *
 * It runs every second and at once when a build ends (`kick`), so a notification leaves within
 * milliseconds of its event on the server where the event happened.
 */
export class NoticeSender {
  private running: Promise<void> | undefined;
  private failure: unknown;
  private again = false;
  /** Wakes the rounds waiting for a slot, when kicked. */
  private wakeRounds: () => void = () => {};
  private stopped = false;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly deadlineMs: number;
  private readonly timeoutMs: number;
  private readonly random: () => number;
  private readonly pollMs: number;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly secrets: SecretBox,
    private readonly options: NoticeSenderOptions,
    private readonly logger: Logger,
  ) {
    this.baseMs = options.retryBaseMs ?? 2_000;
    this.capMs = options.retryCapMs ?? 300_000;
    this.deadlineMs = options.deadlineMs ?? NOTICE_DEADLINE_MS;
    this.timeoutMs = options.attemptTimeoutMs ?? 10_000;
    this.random = options.random ?? Math.random;
    this.pollMs = options.pollMs ?? 1_000;
  }

  /**
   * At start: this server's claims are of attempts that died with its last run (killed mid-send);
   * they are sent again now rather than when their lease runs out.
   */
  async recover(): Promise<void> {
    const released = await this.storage.notices.releaseClaims(this.options.server);
    if (released > 0)
      this.logger.info({ released }, 'notifications this server was sending when it stopped are due again');
  }

  /** Sends what is due now (again, if a round is already running). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      this.wakeRounds();
      return;
    }
    this.running = this.rounds()
      .catch((e: unknown) => {
        this.failure = e; // the next tick reports it (the engine's loop logs an outage once)
      })
      .finally(() => {
        this.running = undefined;
      });
  }

  /** One pass of the loop; resolves when nothing due is left unsent, rejects when the store failed. */
  async tick(): Promise<void> {
    this.kick();
    await this.running;
    const failure = this.failure;
    this.failure = undefined;
    if (failure !== undefined) throw failure;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /**
   * Forgets what is past keeping: ended notifications (and their attempts) after 30 days, inbox
   * messages, read or not, after 180 (GitHub keeps its notifications about as long).
   */
  async purge(): Promise<{ notifications: number; inbox: number }> {
    const now = this.clock.now();
    const notifications = await this.storage.notices.purgeEnded(now - NOTIFICATION_KEEP_MS);
    const inbox = await this.storage.notices.purgeInbox(now - INBOX_KEEP_MS);
    if (notifications + inbox > 0) this.logger.info({ notifications, inbox }, 'forgot old notifications');
    return { notifications, inbox };
  }

  /**
   * Keeps up to BATCH notifications in flight, claiming more as each ends, when kicked and every
   * pollMs: a receiver that is slow to answer holds its own slot, not those sent with it or after.
   * Resolves when nothing is due and nothing is in flight; a failure of the store ends the claiming
   * and is thrown once what is in flight has ended.
   */
  private async rounds(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    let ended: boolean; // a send ended since the last claim: its slot is free
    let wake: () => void = () => {};
    for (;;) {
      this.again = false;
      ended = false;
      const free = this.stopped || failure ? 0 : BATCH - inFlight.size;
      let claimed: NotificationRecord[] = [];
      // A claim that fails ends the claiming like a send's failure: thrown only once the sends in
      // flight have ended, so that the next tick's rounds (and stop) never run beside them.
      if (free > 0) {
        try {
          claimed = await this.claim(free);
        } catch (error) {
          failure ??= { error };
        }
      }
      for (const n of claimed) {
        const sending: Promise<void> = this.send(n)
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => {
            inFlight.delete(sending);
            ended = true;
            wake();
          });
        inFlight.add(sending);
      }
      if (inFlight.size === 0) {
        if (failure) throw failure.error;
        if (this.again && !this.stopped) continue;
        return;
      }
      if ((ended || this.again) && !this.stopped && !failure) continue;
      // A send's end, a kick, or the poll: a retry falling due, or a job's change (no kick), is not
      // held up by a receiver slow to answer (up to the attempt timeout).
      await new Promise<void>((resolve) => {
        const poll = setTimeout(resolve, this.pollMs);
        wake = this.wakeRounds = () => {
          clearTimeout(poll);
          resolve();
        };
      });
    }
  }

  /** Claims up to `count` due notifications for this server. */
  private claim(count: number): Promise<NotificationRecord[]> {
    const now = this.clock.now();
    const lease = now + this.timeoutMs * 3 + 5_000;
    return this.storage.notices.claimDue(now, this.options.server, lease, count);
  }

  private async send(n: NotificationRecord): Promise<void> {
    const at = this.clock.now();
    const started = performance.now();
    const result = await this.attempt(n, at);
    const durationMs = Math.round(performance.now() - started);
    const next = this.after(n, result, at + durationMs);
    // The attempt and the row's next state together, or neither.
    const kept = await this.storage.transaction((tx) =>
      tx.notices.recordAttempt(
        { notificationId: n.id, attempt: n.attempts, at, durationMs, server: this.options.server, ...result },
        next,
      ),
    );
    if (!kept) return; // its claim ran out meanwhile: another server has it now
    const fields = { notificationId: n.id, jobId: n.jobId, channel: n.channel, attempt: n.attempts };
    if (next.state === 'delivered') this.logger.debug(fields, 'notification delivered');
    else if (next.state === 'failed')
      this.logger.warn({ ...fields, error: result.error }, 'notification given up');
    else
      this.logger.info(
        { ...fields, error: result.error, retryAt: next.nextAt },
        'notification failed; will retry',
      );
  }

  /** Where an attempt leaves the notification. */
  private after(
    n: NotificationRecord,
    result: Delivery,
    end: number,
  ): { state: NotificationState; nextAt: number; lastError: string } {
    if (result.ok) return { state: 'delivered', nextAt: end, lastError: '' };
    const nextAt = end + retryDelay(n.attempts, this.baseMs, this.capMs, this.random());
    if (nextAt > n.createdAt + this.deadlineMs)
      return {
        state: 'failed',
        nextAt: end,
        lastError: `${result.error} (given up after ${n.attempts} attempts)`,
      };
    return { state: 'pending', nextAt, lastError: result.error };
  }

  /** Sends a notification with its channel's current settings. */
  private async attempt(n: NotificationRecord, now: number): Promise<Delivery> {
    const settings = await this.storage.notices.settings(n.jobId);
    const setting = settings.find((s) => s.type === n.channel);
    let config: ParamConfig = {};
    try {
      if (setting?.paramConfigEnc)
        config = JSON.parse(this.secrets.open(setting.paramConfigEnc)) as ParamConfig;
    } catch {
      return {
        ok: false,
        statusCode: null,
        error: "the channel's settings cannot be read with this server's secret key",
      };
    }
    const payload = JSON.parse(n.payload) as NoticePayload;
    return this.sendNow(n.id, n.channel, config, payload, now);
  }

  /** One attempt outside the outbox (the test-send button). */
  sendNow(
    id: string,
    channel: NotificationRecord['channel'],
    config: ParamConfig,
    payload: NoticePayload,
    now: number,
  ): Promise<Delivery> {
    const link = noticeLink(this.options.linkBase(), payload);
    return deliver({ channel, config, id, payload, link, now, timeoutMs: this.timeoutMs }, this.options.mail);
  }
}
