import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BUILD_NUMBER, type Build } from '../../../src/domain/build.ts';
import type { JobListQuery } from '../../../src/domain/job-list.ts';
import {
  insightBuildOf,
  OUTCOME_CODES,
  type InsightBuild,
  type InsightColumns,
} from '../../../src/domain/insights.ts';
import { newId32, newRecordId } from '../../../src/domain/ids.ts';
import { isUniqueViolation } from '../../../src/storage/errors.ts';
import type { JobRecord, Storage } from '../../../src/storage/ports.ts';
import { runQueueContract } from './queue-contract.ts';
import { BUCKET_MS } from '../../../src/storage/sql/build-window.ts';
import { signInGuardContract } from './sign-in-contract.ts';
import { keystorePermissionContract } from './keystore-contract.ts';
import { artifactContract } from './artifact-contract.ts';
import { runFlowRetentionContract } from './flow-retention-contract.ts';

/**
 * The one suite every storage adapter must pass, run against a real database by each adapter's
 * test (SQLite always, PostgreSQL when KILN_TEST_DATABASE_URL is set).
 */
export interface StoreContractOptions {
  name: string;
  createStorage(): Promise<{ storage: Storage; cleanup(): Promise<void> }>;
}

/** A build with every field filled, for tests. */
/** Insight columns as builds, newest first (the store gives them in any order). */
function newestFirst(c: InsightColumns): InsightBuild[] {
  const orNull = (x: number) => (Number.isNaN(x) ? null : x);
  return Array.from({ length: c.length }, (_, i) => ({
    job: c.job[i]!,
    number: c.number[i]!,
    startTime: c.startTime[i]!,
    finishedAt: orNull(c.finishedAt[i]!),
    outcome: OUTCOME_CODES[c.outcome[i]!]!,
    onBranch: c.onBranch[i] === 1,
    commitId: c.commitId[i]!,
    commitTime: orNull(c.commitTime[i]!),
    buildTime: orNull(c.buildTime[i]!),
  })).sort((x, y) => y.startTime - x.startTime || x.job - y.job || y.number - x.number);
}

export function sampleBuild(
  jobId: string,
  number: number,
  startTime: number,
  overrides: Partial<Build> = {},
): Build {
  return {
    recordId: newRecordId(),
    jobId,
    number,
    dailyBuildNumber: `20240101.${number}`,
    startTime,
    runStartedAt: startTime + 10,
    finishedAt: startTime + 1000,
    runningStatus: 'Finished',
    state: 'SUCCESS',
    triggerType: 'Manual',
    userId: 'u'.repeat(32),
    executor: 'admin',
    nickname: 'Admin',
    commitId: 'a'.repeat(40),
    commitTime: startTime - 5000,
    commitMessage: 'a change',
    buildType: 'branch',
    codeBranch: 'master',
    scmType: 'git',
    scmWebUrl: '',
    buildTime: 990,
    costTime: 1000,
    parameters: [],
    requestedCommit: '',
    ...overrides,
  };
}

/** Registers the contract suite for one adapter. */
export function runStoreContract(options: StoreContractOptions): void {
  runQueueContract(options);
  runFlowRetentionContract(options);
  describe(`store contract: ${options.name}`, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;
    const now = 1_700_000_000_000;
    const domainId = newId32();
    const userId = newId32();
    const projectId = newId32();

    async function newJob(
      name = `job-${newId32().slice(0, 8)}`,
      overrides: Partial<JobRecord> = {},
    ): Promise<JobRecord> {
      const job: JobRecord = {
        id: newId32(),
        projectId,
        name,
        creatorId: userId,
        config: '{}',
        disabled: false,
        disabledReason: '',
        webhookSecretEnc: 'x',
        lastBuildNumber: 0,
        createdAt: now,
        updatedAt: now,
        recordsVersion: 0,
        ...overrides,
      };
      await storage.jobs.insert(job);
      return job;
    }

    beforeAll(async () => {
      ({ storage, cleanup } = await options.createStorage());
      await storage.domains.insert({ id: domainId, name: `d-${domainId}`, createdAt: now });
      await storage.users.insert(
        {
          id: userId,
          domainId,
          name: 'alice',
          displayName: 'Alice',
          isAdmin: false,
          disabled: false,
          createdAt: now,
        },
        'hash',
      );
      await storage.projects.insert({
        id: projectId,
        domainId,
        name: 'p1',
        description: '',
        creatorId: userId,
        createdAt: now,
      });
    });
    afterAll(async () => {
      await cleanup();
    });

    it('answers a ping', async () => {
      await expect(storage.ping()).resolves.toBeUndefined();
    });

    it('stores identity and refuses a duplicate user name in a domain', async () => {
      const creds = await storage.users.findCredentialsByName(domainId, 'alice');
      expect(creds?.user.displayName).toBe('Alice');
      expect(creds?.passwordHash).toBe('hash');
      const dup = storage.users.insert(
        {
          id: newId32(),
          domainId,
          name: 'alice',
          displayName: 'A2',
          isAdmin: false,
          disabled: false,
          createdAt: now,
        },
        'h',
      );
      await expect(dup).rejects.toSatisfy(isUniqueViolation);
      await storage.users.update(userId, { disabled: true }, now + 1);
      expect((await storage.users.findById(userId))?.disabled).toBe(true);
      await storage.users.update(userId, { disabled: false }, now + 2);
      await storage.users.setPassword(userId, 'hash2', now + 3);
      expect((await storage.users.findCredentialsById(userId))?.passwordHash).toBe('hash2');
      // A rehash replaces only the hash it was computed from.
      expect(await storage.users.replacePasswordHash(userId, 'stale', 'hash3')).toBe(false);
      expect(await storage.users.replacePasswordHash(userId, 'hash2', 'hash')).toBe(true);
      expect((await storage.users.findCredentialsById(userId))?.passwordHash).toBe('hash');
    });

    it('holds credentials for a token only while the password checked is current and the user enabled', async () => {
      expect(await storage.users.lockCredentials(userId, 'hash')).toBe(true);
      expect(await storage.users.lockCredentials(userId, 'stale')).toBe(false);
      await storage.users.update(userId, { disabled: true }, now + 4);
      expect(await storage.users.lockCredentials(userId, 'hash')).toBe(false);
      await storage.users.update(userId, { disabled: false }, now + 5);
      expect(await storage.transaction((tx) => tx.users.lockCredentials(userId, 'hash'))).toBe(true);
    });

    it("locks and lists a domain's enabled administrators only", async () => {
      const admins = newId32();
      await storage.domains.insert({ id: admins, name: `d-${admins}`, createdAt: now });
      const user = (name: string, isAdmin: boolean, disabled: boolean) => ({
        id: newId32(),
        domainId: admins,
        name,
        displayName: name,
        isAdmin,
        disabled,
        createdAt: now,
      });
      const kept = user('kept', true, false);
      for (const u of [kept, user('off', true, true), user('plain', false, false)])
        await storage.users.insert(u, 'hash');
      expect(await storage.transaction((tx) => tx.users.lockEnabledAdmins(admins))).toEqual([kept.id]);
    });

    signInGuardContract(() => storage);
    keystorePermissionContract(
      () => storage,
      () => ({ domainId, userId, now }),
    );
    artifactContract(
      () => storage,
      () => newJob(),
    );

    it('lists only the projects a user is a member of, unless they see the whole domain', async () => {
      const other = newId32();
      await storage.projects.insert({
        id: other,
        domainId,
        name: 'Other_50%',
        description: '',
        creatorId: userId,
        createdAt: now,
      });
      await storage.projects.setMember({ projectId, userId, role: 'developer' }, now);
      const mine = await storage.projects.listVisible(userId, domainId, false, { offset: 0, limit: 10 });
      expect(mine.items.map((p) => p.project.id)).toEqual([projectId]);
      expect(mine.items[0]?.role).toBe('developer');
      const all = await storage.projects.listVisible(userId, domainId, true, { offset: 0, limit: 10 });
      expect(all.total).toBe(2);
      const searched = await storage.projects.listVisible(userId, domainId, true, {
        offset: 0,
        limit: 10,
        search: 'other_50%',
      });
      expect(searched.items.map((p) => p.project.name)).toEqual(['Other_50%']);
      const wildcard = await storage.projects.listVisible(userId, domainId, true, {
        offset: 0,
        limit: 10,
        search: '%',
      });
      expect(wildcard.total).toBe(1);
      await storage.projects.setMember({ projectId, userId, role: 'owner' }, now);
      expect(await storage.projects.findRole(projectId, userId)).toBe('owner');
      expect((await storage.projects.listMembers(projectId)).map((m) => m.userName)).toEqual(['alice']);
      expect(await storage.projects.removeMember(other, userId)).toBe(false);
    });

    it('keeps tokens by hash, revokes them one by one or all at once, and purges expired ones', async () => {
      const base = { userId, scope: 'project' as const, iamProjectId: null, issuedAt: now, revokedAt: null };
      await storage.tokens.insert({ ...base, id: 'h1', expiresAt: now + 1000 });
      await storage.tokens.insert({ ...base, id: 'h2', expiresAt: now + 1000 });
      await storage.tokens.insert({ ...base, id: 'h3', expiresAt: now - 1 });
      const session = await storage.tokens.findSession('h1');
      expect(session?.user.name).toBe('alice');
      expect(session?.domain.id).toBe(domainId);
      expect(session?.iamProject).toBeUndefined();
      expect(await storage.tokens.findSession('nope')).toBeUndefined();
      expect(await storage.tokens.revoke('h1', now)).toBe(true);
      expect(await storage.tokens.revoke('h1', now)).toBe(false);
      expect((await storage.tokens.findById('h1'))?.revokedAt).toBe(now);
      expect(await storage.tokens.revokeAllForUser(userId, now)).toBe(2);
      expect(await storage.tokens.deleteExpired(now)).toBe(1);
      expect(await storage.tokens.findById('h3')).toBeUndefined();
    });

    it('stores access keys and their status', async () => {
      await storage.accessKeys.insert({
        ak: 'AK1',
        userId,
        secretEnc: 'enc',
        description: 'ci',
        status: 'active',
        createdAt: now,
        lastUsedAt: null,
      });
      expect(await storage.accessKeys.setStatus('AK1', 'disabled')).toBe(true);
      expect((await storage.accessKeys.findByAk('AK1'))?.status).toBe('disabled');
      expect((await storage.accessKeys.listByUser(userId)).length).toBe(1);
      expect(await storage.accessKeys.delete('AK1')).toBe(true);
      expect(await storage.accessKeys.findByAk('AK1')).toBeUndefined();
    });

    it("finds a job with its project and a user's role in one lookup", async () => {
      const job = await newJob();
      await storage.projects.setMember({ projectId, userId, role: 'viewer' }, now);
      const found = await storage.jobs.findAccess(job.id, userId);
      expect(found?.job.id).toBe(job.id);
      expect(found?.project.id).toBe(projectId);
      expect(found?.role).toBe('viewer');
      expect((await storage.jobs.findAccess(job.id, newId32()))?.role).toBeUndefined();
      await storage.jobs.markDeleted(job.id, userId, now);
      expect(await storage.jobs.findAccess(job.id, userId)).toBeUndefined();
    });

    it("replaces a job's webhook secret", async () => {
      const job = await newJob();
      await storage.jobs.setWebhookSecret(job.id, 'v1.new', now + 5);
      const found = await storage.jobs.findById(job.id);
      expect(found?.webhookSecretEnc).toBe('v1.new');
      expect(found?.updatedAt).toBe(now + 5);
    });

    it('remembers a webhook delivery once per job, even in concurrent transactions, and purges old ones', async () => {
      const [a, b] = [await newJob(), await newJob()];
      expect(await storage.webhookDeliveries.remember(a.id, 'delivery:1', now)).toBe(true);
      expect(await storage.webhookDeliveries.remember(a.id, 'delivery:1', now + 1)).toBe(false);
      expect(await storage.webhookDeliveries.remember(b.id, 'delivery:1', now)).toBe(true);
      const raced = await Promise.all(
        [0, 1, 2, 3].map(() =>
          storage.transaction((tx) => tx.webhookDeliveries.remember(a.id, 'delivery:2', now + 10)),
        ),
      );
      expect(raced.filter(Boolean)).toHaveLength(1);
      // Refused with the build it came with: the key stays unused.
      await expect(
        storage.transaction(async (tx) => {
          await tx.webhookDeliveries.remember(a.id, 'delivery:3', now);
          throw new Error('the build failed');
        }),
      ).rejects.toThrow('the build failed');
      expect(await storage.webhookDeliveries.remember(a.id, 'delivery:3', now + 10)).toBe(true);
      expect(await storage.webhookDeliveries.deleteBefore(now + 5)).toBe(2);
      expect(await storage.webhookDeliveries.remember(a.id, 'delivery:1', now + 20)).toBe(true);
      expect(await storage.webhookDeliveries.remember(a.id, 'delivery:2', now + 20)).toBe(false);
    });

    it("keeps a job's newest webhook receipts, newest first, and drops them with the job", async () => {
      const [a, b] = [await newJob(), await newJob()];
      const keep = { authenticated: 3, unauthenticated: 3 };
      // Authenticated, all of them: started, ignored, or refused once the signature checked out.
      const receipt = (jobId: string, n: number) => ({
        id: `r-${jobId}-${n}`,
        jobId,
        receivedAt: now + n,
        sender: 'github',
        event: 'push',
        delivery: `d${n}`,
        outcome:
          n % 3 === 0 ? ('started' as const) : n % 3 === 1 ? ('ignored' as const) : ('refused' as const),
        error: n % 3 === 2 ? 'INVALID_BODY' : '',
        reason: n % 3 === 0 ? '' : 'no',
        buildNumber: n % 3 === 0 ? n : null,
      });
      for (let n = 1; n <= 5; n++) await storage.webhookDeliveries.record(receipt(a.id, n), keep);
      await storage.webhookDeliveries.record(receipt(b.id, 1), keep);
      expect(await storage.webhookDeliveries.recent(a.id, 10)).toEqual(
        [5, 4, 3].map((n) => receipt(a.id, n)),
      );
      expect(await storage.webhookDeliveries.recent(a.id, 2)).toEqual([5, 4].map((n) => receipt(a.id, n)));
      expect(await storage.webhookDeliveries.recent(b.id, 10)).toEqual([receipt(b.id, 1)]);
      // Receipts of the same millisecond: the cut keeps exactly the newest three, by id.
      const same = (n: number) => ({ ...receipt(b.id, n), id: `s-${b.id}-${n}`, receivedAt: now + 100 });
      for (let n = 1; n <= 5; n++) await storage.webhookDeliveries.record(same(n), keep);
      expect(await storage.webhookDeliveries.recent(b.id, 10)).toEqual([5, 4, 3].map(same));
    });

    it('keeps unauthenticated webhook receipts apart: they never displace an authenticated one', async () => {
      const a = await newJob();
      const keep = { authenticated: 2, unauthenticated: 3 };
      const good = (n: number) => ({
        id: `g-${a.id}-${n}`,
        jobId: a.id,
        receivedAt: now + n,
        sender: 'gitlab',
        event: 'Push Hook',
        delivery: `g${n}`,
        outcome: 'ignored' as const,
        error: '',
        reason: 'not a branch the trigger names',
        buildNumber: null,
      });
      // Refused before any signature checked out: none or a wrong one, or no host's event header.
      const bad = (n: number) => ({
        ...good(n),
        id: `b-${a.id}-${n}`,
        delivery: '',
        outcome: 'refused' as const,
        error: n % 2 === 0 ? 'UNAUTHENTICATED' : 'INVALID_PARAM',
        sender: n % 2 === 0 ? 'gitlab' : '',
        event: n % 2 === 0 ? 'Push Hook' : '',
      });
      await storage.webhookDeliveries.record(good(1), keep);
      for (let n = 2; n <= 9; n++) await storage.webhookDeliveries.record(bad(n), keep);
      expect(await storage.webhookDeliveries.recent(a.id, 10)).toEqual([bad(9), bad(8), bad(7), good(1)]);
      for (let n = 10; n <= 12; n++) await storage.webhookDeliveries.record(good(n), keep);
      expect(await storage.webhookDeliveries.recent(a.id, 10)).toEqual([
        good(12),
        good(11),
        bad(9),
        bad(8),
        bad(7),
      ]);
    });

    it('keeps schedules: lists the due ones soonest first, moves their marks by compare-and-set, forgets them', async () => {
      const [a, b] = [await newJob(), await newJob()];
      const t = now + 1_000_000;
      const entry = (jobId: string, key: string, nextDue: number | null) => ({
        jobId,
        key,
        lastDue: now,
        nextDue,
      });
      expect(await storage.schedules.track(entry(a.id, '0:x', t + 30), 'UTC')).toBe(true);
      expect(await storage.schedules.track(entry(a.id, '0:x', t), 'UTC')).toBe(false); // kept as it was
      expect(await storage.schedules.track(entry(a.id, '1:y', t + 10), 'UTC')).toBe(true);
      expect(await storage.schedules.track(entry(b.id, '0:z', null), 'UTC')).toBe(true); // never due
      expect(await storage.schedules.listDue(t + 5, 10)).toEqual([]);
      expect(await storage.schedules.listDue(t + 30, 10)).toEqual([
        entry(a.id, '1:y', t + 10),
        entry(a.id, '0:x', t + 30),
      ]);
      expect(await storage.schedules.listDue(t + 30, 1)).toEqual([entry(a.id, '1:y', t + 10)]);
      const raced = await Promise.all(
        [0, 1, 2].map(() =>
          storage.transaction((tx) => tx.schedules.advance(a.id, '1:y', now, t + 10, t + 70)),
        ),
      );
      expect(raced.filter(Boolean)).toHaveLength(1);
      expect(await storage.schedules.listDue(t + 30, 10)).toEqual([entry(a.id, '0:x', t + 30)]);
      expect(await storage.schedules.listDue(t + 70, 10)).toEqual([
        entry(a.id, '0:x', t + 30),
        { ...entry(a.id, '1:y', t + 70), lastDue: t + 10 },
      ]);
      // A job's own schedules, by key, whenever due (a never-due one too).
      expect(await storage.schedules.listOfJob(a.id)).toEqual([
        entry(a.id, '0:x', t + 30),
        { ...entry(a.id, '1:y', t + 70), lastDue: t + 10 },
      ]);
      expect(await storage.schedules.listOfJob(b.id)).toEqual([entry(b.id, '0:z', null)]);
      await storage.schedules.retain(a.id, ['1:y']);
      await storage.schedules.remove(a.id, '1:y');
      expect(await storage.schedules.listDue(t + 100, 10)).toEqual([]);
      expect(await storage.schedules.track(entry(b.id, '0:z', t), 'UTC')).toBe(false);
      await storage.schedules.retain(b.id, []);
      expect(await storage.schedules.track(entry(b.id, '0:z', t), 'UTC')).toBe(true);
      await storage.schedules.retain(b.id, []);
    });

    it('keeps the time zone of each schedule: lists those of another zone by key, and computes them anew unless they fired', async () => {
      const [a, b] = [await newJob(), await newJob()];
      const entry = (jobId: string, key: string, nextDue: number | null) => ({
        jobId,
        key,
        lastDue: now,
        nextDue,
      });
      await storage.schedules.track(entry(a.id, '0:x', now + 10), 'UTC');
      await storage.schedules.track(entry(a.id, '1:y', now + 20), 'Asia/Shanghai');
      await storage.schedules.track(entry(b.id, '0:z', now + 30), 'Asia/Shanghai');
      const mine = <T extends { jobId: string }>(list: T[]) =>
        list.filter((e) => e.jobId === a.id || e.jobId === b.id);
      const ofZone = mine(await storage.schedules.listOtherZone('UTC', undefined, 1_000));
      expect(ofZone).toEqual(
        [entry(a.id, '1:y', now + 20), entry(b.id, '0:z', now + 30)].sort((p, q) =>
          p.jobId < q.jobId ? -1 : 1,
        ),
      );
      // Paged by (job, key): the page after the first entry holds the second.
      const page = await storage.schedules.listOtherZone('UTC', ofZone[0], 1_000);
      expect(mine(page)).toEqual(ofZone.slice(1));
      // Computed anew unless it fired since it was read.
      await storage.schedules.advance(b.id, '0:z', now, now + 30, now + 90);
      expect(await storage.schedules.rezone(b.id, '0:z', now, 'UTC', now + 40)).toBe(false);
      expect(await storage.schedules.rezone(a.id, '1:y', now, 'UTC', now + 25)).toBe(true);
      expect(mine(await storage.schedules.listOtherZone('UTC', undefined, 1_000))).toEqual([
        { ...entry(b.id, '0:z', now + 90), lastDue: now + 30 },
      ]);
      expect(mine(await storage.schedules.listDue(now + 25, 1_000))).toEqual([
        entry(a.id, '0:x', now + 10),
        entry(a.id, '1:y', now + 25),
      ]);
      await storage.schedules.retain(a.id, []);
      await storage.schedules.retain(b.id, []);
    });

    it("says whether a change of a job's state changed it, and changes no job in the bin", async () => {
      const job = await newJob();
      expect((await storage.jobs.updateConfig(job.id, 'renamed', '{"a":1}', now + 1))?.name).toBe('renamed');
      expect((await storage.jobs.setDisabled(job.id, true, 'why', now + 2))?.disabled).toBe(true);
      const deleted = await storage.jobs.markDeleted(job.id, userId, now + 3);
      expect(deleted).toMatchObject({ id: job.id, name: 'renamed', config: '{"a":1}', disabled: true });
      // Deleted: nothing changes it but the bin's own methods, and a second delete changes nothing.
      expect(await storage.jobs.markDeleted(job.id, userId, now + 4)).toBeUndefined();
      expect(await storage.jobs.updateConfig(job.id, 'again', '{}', now + 4)).toBeUndefined();
      expect(await storage.jobs.setDisabled(job.id, false, '', now + 4)).toBeUndefined();
      expect(await storage.jobs.setGroup(projectId, [job.id], null)).toBe(0);
      expect((await storage.jobs.restore(job.id, now + 5))?.name).toBe('renamed');
      expect(await storage.jobs.restore(job.id, now + 6)).toBeUndefined();
      expect(await storage.jobs.setGroup(projectId, [job.id], null)).toBe(1);
      await storage.jobs.markDeleted(job.id, userId, now + 7);
      expect(await storage.jobs.requestPurge([job.id])).toBe(1);
      expect(await storage.jobs.requestPurge([job.id])).toBe(0);
      expect(await storage.jobs.restore(job.id, now + 8)).toBeUndefined();
      // The expiry purge claims a binned job (asked for or not); never a live one.
      expect(await storage.jobs.claimPurge(job.id)).toBe(true);
      const live = await newJob();
      expect(await storage.jobs.claimPurge(live.id)).toBe(false);
      await storage.jobs.markDeleted(live.id, userId, now + 9);
      expect(await storage.jobs.claimPurge(live.id)).toBe(true);
      expect(await storage.jobs.restore(live.id, now + 10)).toBeUndefined();
    });

    it('keeps job names unique among live jobs and hides deleted ones', async () => {
      const job = await newJob('Same');
      await expect(newJob('Same')).rejects.toSatisfy(isUniqueViolation);
      await storage.jobs.markDeleted(job.id, userId, now);
      expect(await storage.jobs.findById(job.id)).toBeUndefined();
      const again = await newJob('Same');
      const list = await storage.jobs.listByProject(
        projectId,
        {
          offset: 0,
          limit: 100,
          search: 'SAME',
          sort: { field: 'job_name', descending: false },
        },
        { domainId, userId, admin: true },
      );
      expect(list.items.map((j) => j.id)).toEqual([again.id]);
    });

    it("rewrites a job's document only while it is the one expected, keeping name and update time", async () => {
      const job = await newJob('Rewritten', { config: '{"a":1}' });
      expect(await storage.jobs.replaceConfig(job.id, '{"a":2}', '{"a":3}')).toBe(false);
      expect(await storage.jobs.replaceConfig(job.id, '{"a":1}', '{"a":3}')).toBe(true);
      expect(await storage.jobs.findById(job.id)).toEqual({ ...job, config: '{"a":3}' });
      expect(await storage.jobs.replaceConfig(job.id, '{"a":1}', '{"a":4}')).toBe(false);
    });

    it("lists a project's jobs by creator and by the state of the last build, in the order asked", async () => {
      const tag = `list-${newId32().slice(0, 6)}`;
      const other = newId32();
      // name, created, creator, last build (started at now + minutes)
      const rows: [string, number, string, Partial<Build> | undefined][] = [
        ['a-green', 3, userId, { state: 'SUCCESS' }],
        ['b-red', 1, userId, { state: 'FAILURE' }],
        ['c-never', 5, other, undefined],
        ['d-running', 2, other, { runningStatus: 'Running', state: '', finishedAt: null }],
        ['e-timeout', 4, userId, { state: 'timeout' }],
        ['f-aborted', 6, userId, { state: 'ABORTED' }],
      ];
      for (const [i, [name, created, creatorId, last]] of rows.entries()) {
        const job = await newJob(`${tag}-${name}`, { createdAt: now + created, creatorId });
        if (!last) continue;
        // An older build first: only the last one counts.
        await storage.builds.insert(sampleBuild(job.id, 1, now, { state: 'FAILURE' }));
        await storage.builds.insert(sampleBuild(job.id, 2, now + (10 - i) * 60_000, last));
        await storage.jobs.raiseBuildNumber(job.id, 2);
      }
      const names = async (query: Partial<JobListQuery>) =>
        (
          await storage.jobs.listByProject(
            projectId,
            {
              offset: 0,
              limit: 100,
              search: tag,
              sort: { field: 'job_name', descending: false },
              ...query,
            },
            { domainId, userId, admin: true },
          )
        ).items.map((j) => j.name.slice(tag.length + 1));
      expect(await names({})).toEqual(['a-green', 'b-red', 'c-never', 'd-running', 'e-timeout', 'f-aborted']);
      expect(await names({ creatorId: other })).toEqual(['c-never', 'd-running']);
      const byState = {
        blue: ['a-green'],
        red: ['b-red'],
        none: ['c-never'],
        building: ['d-running'],
        timeout: ['e-timeout'],
        aborted: ['f-aborted'],
      } as const;
      for (const [filter, expected] of Object.entries(byState)) {
        expect(await names({ lastBuild: filter as keyof typeof byState }), filter).toEqual(expected);
      }
      expect(await names({ sort: { field: 'job_name', descending: true } })).toEqual([
        'f-aborted',
        'e-timeout',
        'd-running',
        'c-never',
        'b-red',
        'a-green',
      ]);
      expect(await names({ sort: { field: 'create_time', descending: false } })).toEqual([
        'b-red',
        'd-running',
        'a-green',
        'e-timeout',
        'c-never',
        'f-aborted',
      ]);
      // Newest last build first; never built counts as oldest.
      expect(await names({ sort: { field: 'last_build_time', descending: true } })).toEqual([
        'a-green',
        'b-red',
        'd-running',
        'e-timeout',
        'f-aborted',
        'c-never',
      ]);
      const page = await storage.jobs.listByProject(
        projectId,
        {
          offset: 1,
          limit: 2,
          search: tag,
          lastBuild: 'red',
          sort: { field: 'job_name', descending: false },
        },
        { domainId, userId, admin: true },
      );
      expect(page).toMatchObject({ items: [], total: 1 });
    });

    it('hands out build numbers once each, even to concurrent transactions', async () => {
      const job = await newJob();
      const numbers = await Promise.all(
        Array.from({ length: 20 }, () => storage.transaction((tx) => tx.jobs.allocateBuildNumber(job.id))),
      );
      expect([...numbers].sort((a, b) => Number(a) - Number(b))).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      await storage.jobs.raiseBuildNumber(job.id, 100);
      await storage.jobs.raiseBuildNumber(job.id, 50);
      expect(await storage.jobs.allocateBuildNumber(job.id)).toBe(101);
      expect(await storage.jobs.allocateDailyNumber(job.id, '20240101')).toBe(1);
      expect(await storage.jobs.allocateDailyNumber(job.id, '20240101')).toBe(2);
      await storage.jobs.raiseDailyNumber(job.id, '20240101', 7);
      await storage.jobs.raiseDailyNumber(job.id, '20240102', 3);
      expect(await storage.jobs.allocateDailyNumber(job.id, '20240101')).toBe(8);
      expect(await storage.jobs.allocateDailyNumber(job.id, '20240102')).toBe(4);
    });

    it('gives no build number to a deleted job, nor past the largest build number', async () => {
      const deleted = await newJob();
      await storage.jobs.markDeleted(deleted.id, userId, now);
      expect(await storage.jobs.allocateBuildNumber(deleted.id)).toBeUndefined();
      const full = await newJob();
      await storage.jobs.raiseBuildNumber(full.id, MAX_BUILD_NUMBER - 1);
      expect(await storage.jobs.allocateBuildNumber(full.id)).toBe(MAX_BUILD_NUMBER);
      expect(await storage.jobs.allocateBuildNumber(full.id)).toBeUndefined();
    });

    it('rolls a failed transaction back whole', async () => {
      const job = await newJob();
      await expect(
        storage.transaction(async (tx) => {
          await tx.jobs.allocateBuildNumber(job.id);
          await tx.builds.insert(sampleBuild(job.id, 1, now));
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await storage.builds.findByNumber(job.id, 1)).toBeUndefined();
      expect(await storage.jobs.allocateBuildNumber(job.id)).toBe(1);
      expect(await storage.builds.countInWindow({ jobId: job.id, from: 0, to: now * 2 })).toBe(0);
    });

    it('refuses a second build with the same number', async () => {
      const job = await newJob();
      await storage.builds.insert(sampleBuild(job.id, 1, now));
      await expect(storage.builds.insert(sampleBuild(job.id, 1, now))).rejects.toSatisfy(isUniqueViolation);
      const b = await storage.builds.findByNumber(job.id, 1);
      expect(b && (await storage.builds.findByRecordId(b.recordId))?.number).toBe(1);
      expect(await storage.builds.existingNumbers(job.id, [1, 2])).toEqual(new Set([1]));
    });

    it('finds which of a list of numbers a job has, for runs of numbers and for sparse lists', async () => {
      const job = await newJob();
      const other = await newJob();
      const numbers = [...Array.from({ length: 10 }, (_, i) => i + 1), 100, 5000];
      await storage.builds.insertMany(numbers.map((n) => sampleBuild(job.id, n, now + n)));
      await storage.builds.insertMany([sampleBuild(other.id, 11, now), sampleBuild(other.id, 12, now)]);
      const has = (list: number[]) => storage.builds.existingNumbers(job.id, list);
      expect(await has([])).toEqual(new Set());
      expect(await has([12, 11, 10, 9, 8, 7, 6, 5])).toEqual(new Set([10, 9, 8, 7, 6, 5])); // a run
      expect(await has([2, 4, 6, 50])).toEqual(new Set([2, 4, 6])); // sparser: an IN list
      expect(await has([1, 100, 4999, 5000, 1_000_000])).toEqual(new Set([1, 100, 5000]));
    });

    it('counts and pages any window exactly like a naive sort', async () => {
      const job = await newJob();
      const t0 = Date.UTC(2024, 0, 1);
      // Several days, several builds a day, numbers that disagree with times, equal start times.
      const builds: Build[] = [];
      let n = 0;
      for (let day = 0; day < 9; day++) {
        const perDay = day === 4 ? 0 : ((day * 7) % 5) + 1;
        for (let k = 0; k < perDay; k++) {
          n++;
          const t = t0 + day * BUCKET_MS + ((k * 3_600_000 * 5) % BUCKET_MS) - (k === 2 ? 3_600_000 * 5 : 0);
          builds.push(sampleBuild(job.id, day === 6 ? 1000 - n : n, t));
        }
      }
      await storage.builds.insertMany(builds.slice(0, 10));
      for (const b of builds.slice(10)) await storage.builds.insert(b);
      const naive = (from: number, to: number) =>
        builds
          .filter((b) => b.startTime >= from && b.startTime < to)
          .sort((a, b) => b.startTime - a.startTime || b.number - a.number)
          .map((b) => b.number);
      const span = 10 * BUCKET_MS;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: -BUCKET_MS, max: span }),
          fc.integer({ min: 0, max: span }),
          fc.integer({ min: 1, max: 7 }),
          fc.integer({ min: 0, max: 8 }),
          async (a, len, size, page) => {
            const w = { jobId: job.id, from: t0 + a, to: t0 + a + len };
            const expected = naive(w.from, w.to);
            expect(await storage.builds.countInWindow(w)).toBe(expected.length);
            expect((await storage.builds.indexWindow(w)).total).toBe(expected.length);
            const got = await storage.builds.pageInWindow(w, page * size, size);
            expect(got.map((b) => b.number)).toEqual(expected.slice(page * size, page * size + size));
          },
        ),
        { numRuns: 150 },
      );
    });

    it("counts and pages several jobs' windows exactly like a naive sort of their builds", async () => {
      const jobs = [await newJob(), await newJob(), await newJob()];
      const t0 = Date.UTC(2024, 2, 1);
      const builds: Build[] = [];
      for (const [j, job] of jobs.entries()) {
        let n = 0;
        for (let day = 0; day < 8; day++) {
          if ((day + j) % 3 === 2) continue;
          for (let k = 0; k < ((day * (j + 3)) % 4) + 1; k++)
            // Builds of different jobs at the same instant (k = 0): their order is number, then id.
            builds.push(sampleBuild(job.id, ++n, t0 + day * BUCKET_MS + k * 3_600_000 * (j + 1)));
        }
      }
      await storage.builds.insertMany(builds);
      const jobIds = jobs.map((j) => j.id);
      const naive = (from: number, to: number) =>
        builds
          .filter((b) => b.startTime >= from && b.startTime < to)
          .sort(
            (a, b) =>
              b.startTime - a.startTime ||
              b.number - a.number ||
              (a.recordId < b.recordId ? 1 : a.recordId > b.recordId ? -1 : 0),
          )
          .map((b) => b.recordId);
      const span = 9 * BUCKET_MS;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: -BUCKET_MS, max: span }),
          fc.integer({ min: 0, max: span }),
          fc.integer({ min: 1, max: 9 }),
          fc.integer({ min: 0, max: 8 }),
          async (a, len, size, page) => {
            const w = { jobIds, from: t0 + a, to: t0 + a + len };
            const expected = naive(w.from, w.to);
            const index = await storage.builds.indexWindow(w);
            expect(index.total).toBe(expected.length);
            expect(await storage.builds.countInWindow(w)).toBe(expected.length);
            const got = await storage.builds.jobsPage(w, index, page * size, size);
            expect(got.map((b) => b.recordId)).toEqual(expected.slice(page * size, page * size + size));
          },
        ),
        { numRuns: 100 },
      );
      expect(
        await storage.builds.jobsPage(
          { jobIds: [], from: t0, to: t0 + span },
          await storage.builds.indexWindow({ jobIds: [], from: t0, to: t0 + span }),
          0,
          5,
        ),
      ).toEqual([]);
    });

    it('reads insight rows as insightBuildOf reads the builds, for each job its own branch', async () => {
      const [a, b] = [await newJob(), await newJob()];
      const t0 = Date.UTC(2024, 3, 1);
      const builds = [
        sampleBuild(a.id, 1, t0, { codeBranch: 'main', commitId: 'c1' }),
        sampleBuild(a.id, 2, t0 + 1000, {
          codeBranch: 'dev',
          state: 'FAILURE',
          commitId: 'odd,id\nwith lines',
        }),
        sampleBuild(a.id, 3, t0 + 2000, { buildType: 'tag', codeBranch: 'main', state: 'timeout' }),
        sampleBuild(a.id, 4, t0 + 3000, { state: 'ABORTED', commitTime: null, buildTime: null }),
        sampleBuild(a.id, 5, t0 + 4000, {
          runningStatus: 'Running',
          state: '',
          finishedAt: null,
          buildTime: null,
          commitId: '',
        }),
        sampleBuild(b.id, 1, t0 + 500, { codeBranch: 'anything', commitId: 'c1' }),
      ];
      await storage.builds.insertMany(builds);
      const { builds: rows, total } = await storage.builds.insightRows(
        {
          jobs: [
            { id: a.id, branch: 'main' },
            { id: b.id, branch: '' },
          ],
          from: t0,
          to: t0 + 10_000,
        },
        100,
      );
      expect(total).toBe(6);
      const expected = [...builds]
        .sort((x, y) => y.startTime - x.startTime)
        .map((x) => insightBuildOf(x, x.jobId === a.id ? 'main' : '', x.jobId === a.id ? 0 : 1));
      // The commit id loses its line breaks (they separate the rows); nothing else changes.
      expected.find((x) => x.number === 2 && x.job === 0)!.commitId = 'odd,idwith lines';
      expect(newestFirst(rows)).toEqual(expected);
      const latest = await storage.builds.insightRows(
        { jobs: [{ id: a.id, branch: 'main' }], from: t0, to: t0 + 10_000 },
        2,
      );
      expect(latest.total).toBe(5);
      expect(newestFirst(latest.builds)).toEqual(expected.filter((x) => x.job === 0).slice(0, 2));
    });

    it('pages exactly across a history of many days, some without builds', async () => {
      const job = await newJob();
      const t0 = Date.UTC(2023, 0, 1);
      // 300 days, most of them with builds, a few gaps: positions land in days far from the newest.
      const builds: Build[] = [];
      for (let day = 0, n = 0; day < 300; day++) {
        if (day % 17 === 5) continue;
        for (let k = 0; k < (day % 3) + 1; k++)
          builds.push(sampleBuild(job.id, ++n, t0 + day * BUCKET_MS + k * 60_000));
      }
      await storage.builds.insertMany(builds);
      const ordered = [...builds]
        .sort((a, b) => b.startTime - a.startTime || b.number - a.number)
        .map((b) => b.number);
      const w = { jobId: job.id, from: t0 - 1, to: t0 + 301 * BUCKET_MS };
      expect(await storage.builds.countInWindow(w)).toBe(ordered.length);
      const index = await storage.builds.indexWindow(w);
      expect(index.total).toBe(ordered.length);
      for (const offset of [
        0,
        63,
        64,
        130,
        200,
        400,
        ordered.length - 3,
        ordered.length - 1,
        ordered.length,
      ]) {
        const got = await storage.builds.pageInWindow(w, offset, 5);
        expect(got.map((b) => b.number)).toEqual(ordered.slice(offset, offset + 5));
        // The same index serves every position (the engine keeps it while the history holds).
        const again = await storage.builds.pageAt(w, await index.seek(offset), 5);
        expect(again.map((b) => b.number)).toEqual(ordered.slice(offset, offset + 5));
      }
    });

    it('changes the records version when a build is added or finishes, not when its log grows', async () => {
      const job = await newJob();
      const version = async () => (await storage.jobs.findById(job.id))?.recordsVersion ?? -1;
      const v0 = await version();
      const running = sampleBuild(job.id, 1, now, { runningStatus: 'Running', state: '', finishedAt: null });
      await storage.builds.insert(running);
      const v1 = await version();
      expect(v1).toBeGreaterThan(v0);
      await storage.builds.insertMany([sampleBuild(job.id, 2, now + 1), sampleBuild(job.id, 3, now + 2)]);
      const v2 = await version();
      expect(v2).toBeGreaterThan(v1);
      await storage.transaction((tx) => tx.logs.append(running.recordId, 0, Buffer.from('log')));
      await storage.builds.renewLease(running.recordId, 'nobody', now);
      expect(await version()).toBe(v2);
      await storage.builds.finish(running.recordId, {
        state: 'SUCCESS',
        finishedAt: now + 5,
        buildTime: 4,
        costTime: 5,
      });
      expect(await version()).toBeGreaterThan(v2);
      expect((await storage.jobs.findAccess(job.id, userId))?.job.recordsVersion).toBe(await version());
    });

    it('reads health states newest first, skipping aborted and unfinished builds', async () => {
      const job = await newJob();
      const states = ['SUCCESS', 'FAILURE', 'ABORTED', 'timeout', 'SUCCESS', 'ABORTED'] as const;
      for (const [i, state] of states.entries())
        await storage.builds.insert(sampleBuild(job.id, i + 1, now + i, { state }));
      await storage.builds.insert(
        sampleBuild(job.id, 7, now + 7, { state: '', runningStatus: 'Running', finishedAt: null }),
      );
      expect(await storage.builds.latestCountedStates(job.id, 5)).toEqual([
        'SUCCESS',
        'timeout',
        'FAILURE',
        'SUCCESS',
      ]);
      expect((await storage.builds.latest(job.id))?.number).toBe(7);
      // Six finished, two of them ABORTED: those count neither way.
      expect(await storage.builds.outcomeCounts({ jobId: job.id, from: now, to: now + 100 })).toEqual({
        total: 4,
        success: 2,
      });
    });

    it("lists unfinished builds' plans and rewrites a plan only while it is the one expected", async () => {
      const job = await newJob();
      const queued = sampleBuild(job.id, 1, now, { runningStatus: 'Starting', state: '', finishedAt: null });
      await storage.builds.insert(queued, '{"p":1}');
      const finished = sampleBuild(job.id, 2, now);
      await storage.builds.insert(finished, '{"p":2}');
      const imported = sampleBuild(job.id, 3, now, { runningStatus: 'Running', state: '' });
      await storage.builds.insert(imported);
      const ours = [queued, finished, imported].map((b) => b.recordId);
      const mine = (await storage.builds.listUnfinishedPlans()).filter((r) => ours.includes(r.recordId));
      expect(mine).toEqual([{ recordId: queued.recordId, plan: '{"p":1}' }]);
      expect(await storage.builds.replacePlan(queued.recordId, '{"p":0}', '{"p":9}')).toBe(false);
      expect(await storage.builds.replacePlan(queued.recordId, '{"p":1}', '{"p":9}')).toBe(true);
      expect((await storage.builds.findRun(queued.recordId))?.plan).toBe('{"p":9}');
    });

    it('lists open flows a page at a time, by parent id, finished ones left out', async () => {
      const job = await newJob();
      const parents: string[] = [];
      for (let n = 1; n <= 5; n++) {
        const open = n !== 3;
        const parent = sampleBuild(job.id, n, now, open ? { runningStatus: 'Running', state: '' } : {});
        await storage.builds.insert(parent);
        const child = sampleBuild(job.id, 10 + n, now);
        await storage.builds.insert(child);
        await storage.flows.create(parent.recordId, 'eager', [
          {
            childId: child.recordId,
            position: 0,
            name: 'j',
            dependsOn: [],
            buildRef: 'j.yml',
            started: true,
          },
        ]);
        if (open) parents.push(parent.recordId);
      }
      // Other suites' open flows share the store: only this job's count.
      const ours = (ids: string[]) => ids.filter((id) => parents.includes(id));
      const all: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await storage.flows.listOpen(2, after);
        all.push(...page);
        if (page.length < 2) break;
        after = page.at(-1);
      }
      expect(ours(all)).toEqual([...parents].sort());
      expect(new Set(all).size).toBe(all.length);
    });

    it('round-trips every build field', async () => {
      const job = await newJob();
      const b = sampleBuild(job.id, 3, now, {
        parameters: [{ name: 'X', value: 'y', sensitive: true }],
        commitTime: null,
        runStartedAt: null,
        triggerType: 'CodeUpdate',
        buildType: 'tag',
        requestedCommit: 'abc',
        scmWebUrl: 'https://github.com/a/b',
      });
      await storage.builds.insert(b);
      expect(await storage.builds.findByNumber(job.id, 3)).toEqual(b);
    });

    it('keeps the build.yml of a code-based build, replaced when it is read', async () => {
      const job = await newJob();
      const b = sampleBuild(job.id, 4, now);
      await storage.builds.insert(b);
      expect(await storage.scripts.find(b.recordId)).toBeUndefined();
      await storage.scripts.put(b.recordId, {
        configType: 'YAML',
        path: '.cloudbuild/build.yml',
        script: '',
      });
      const text = 'version: 2.0\nsteps:\n  BUILD:\n    - sh: { inputs: { command: "echo \'é\'" } }\n';
      await storage.scripts.put(b.recordId, { configType: 'YAML', path: 'ci/b.yml', script: text });
      expect(await storage.scripts.find(b.recordId)).toEqual({
        configType: 'YAML',
        path: 'ci/b.yml',
        script: text,
      });
    });

    it("keeps each runner's last announcement of its tools and place", async () => {
      const id = `remote:${'r'.repeat(8)}${Date.now()}`;
      await storage.runners.putTools({ runnerId: id, host: 'h1', tools: { jdk: '17.0.1' }, reportedAt: now });
      await storage.runners.putTools({
        runnerId: id,
        host: 'h2',
        tools: { jdk: '21', node: '' },
        arch: 'arm64',
        pool: 'big',
        reportedAt: now + 5_000_000_000,
      });
      await storage.runners.putTools({ runnerId: 'local:s1', host: 's', tools: {}, reportedAt: now });
      const listed = await storage.runners.listTools();
      expect(listed.find((t) => t.runnerId === id)).toEqual({
        runnerId: id,
        host: 'h2',
        tools: { jdk: '21', node: '' },
        arch: 'arm64',
        pool: 'big',
        reportedAt: now + 5_000_000_000,
      });
      // A runner that did not say where it is counts nowhere.
      expect(listed.find((t) => t.runnerId === 'local:s1')).toMatchObject({ arch: null, pool: null });
      await storage.runners.deleteTools(id);
      expect((await storage.runners.listTools()).map((t) => t.runnerId)).not.toContain(id);
      expect((await storage.runners.listTools()).map((t) => t.runnerId)).toContain('local:s1');
    });
  });
}
