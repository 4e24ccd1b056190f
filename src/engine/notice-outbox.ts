import type { Build } from '../domain/build.ts';
import { newId32 } from '../domain/ids.ts';
import {
  buildEndEvent,
  JOB_CHANGE_EVENTS,
  type NoticeEvent,
  type NoticePayload,
  type SentType,
} from '../domain/notices.ts';
import type {
  BuildOutcome,
  JobChange,
  JobRecord,
  NoticeSettingRecord,
  NotificationRecord,
  Stores,
} from '../storage/ports.ts';
import { userMay } from './access.ts';
import { logFlowJobEnd } from './flow-job-end.ts';

/**
 * Writes the notifications an event causes, in the transaction of the event (issue 18): a build's
 * end or a job's change commits with its notifications or not at all, so none is lost to a crash
 * and none is written for something that did not happen. Channels that go over the network get an
 * outbox row each (NoticeSender delivers them); MESSAGE goes straight into the inboxes.
 *
 * A job with no channel on costs one indexed read of its settings.
 */

/**
 * Finishes a build (BuildStore.finish, with its conditions) and writes the notifications of its
 * end, in the caller's transaction; false when it was already finished (nothing is written).
 */
export async function finishBuild(
  tx: Stores,
  recordId: string,
  outcome: BuildOutcome,
  runnerId?: string,
  expiredBefore?: number,
): Promise<boolean> {
  if (!(await tx.builds.finish(recordId, outcome, runnerId, expiredBefore))) return false;
  const build = await tx.builds.findByRecordId(recordId);
  if (build) {
    await logFlowJobEnd(tx, build, outcome.state);
    await noticeBuildEnd(tx, build, outcome.finishedAt);
  }
  return true;
}

async function noticeBuildEnd(tx: Stores, build: Build, now: number): Promise<void> {
  const settings = await tx.notices.settings(build.jobId);
  if (!settings.some((s) => s.events.length > 0) || build.state === '') return;
  const state = build.state;
  const previous = await tx.builds.previousOutcome(build.jobId, build.number);
  const job = await tx.jobs.findById(build.jobId);
  if (!job) return;
  const told = settings.flatMap((s) => {
    const event = buildEndEvent(state, previous, s);
    return event ? [{ setting: s, event }] : [];
  });
  for (const { setting, event } of told) {
    const payload: NoticePayload = {
      event,
      at: now,
      job: { id: job.id, name: job.name, projectId: job.projectId },
      build: {
        recordId: build.recordId,
        number: build.number,
        state,
        branch: build.codeBranch,
        commitId: build.commitId,
        commitMessage: build.commitMessage,
        startTime: build.startTime,
        durationMs: build.buildTime ?? 0,
      },
    };
    await write(tx, job, setting, payload, now);
  }
}

/** Writes the notifications of a job's change (JobService.recordChange's transaction). */
export async function noticeJobChange(
  tx: Stores,
  job: JobRecord,
  change: JobChange,
  actor: string,
  now: number,
): Promise<void> {
  const event = JOB_CHANGE_EVENTS[change];
  if (!event) return;
  const settings = await tx.notices.settings(job.id);
  for (const setting of settings.filter((s) => s.events.includes(event))) {
    const payload: NoticePayload = {
      event,
      at: now,
      job: { id: job.id, name: job.name, projectId: job.projectId },
      actor,
    };
    await write(tx, job, setting, payload, now);
  }
}

async function write(
  tx: Stores,
  job: JobRecord,
  setting: NoticeSettingRecord,
  payload: NoticePayload,
  now: number,
): Promise<void> {
  const text = JSON.stringify(payload);
  if (setting.type === 'MESSAGE') {
    const users = await recipients(tx, job);
    await tx.notices.addToInbox(
      users.map((userId) => ({
        id: newId32(),
        userId,
        jobId: job.id,
        event: payload.event,
        payload: text,
        createdAt: now,
        readAt: null,
      })),
    );
    return;
  }
  const sent =
    setting.type === 'MAIL' ? JSON.stringify({ ...payload, recipients: await recipients(tx, job) }) : text;
  await tx.notices.enqueue([outboxRow(job.id, setting.type, payload.event, sent, now)]);
}

function outboxRow(
  jobId: string,
  channel: SentType,
  event: NoticeEvent,
  payload: string,
  now: number,
): NotificationRecord {
  return {
    id: newId32(),
    jobId,
    channel,
    event,
    payload,
    state: 'pending',
    attempts: 0,
    createdAt: now,
    nextAt: now,
    endedAt: null,
    lastError: '',
  };
}

/**
 * Who hears of a job (inbox, mail): its creator and those who watch it, while they may still view
 * it as a request of theirs would (access.ts userMay: enabled, able to see the project, and granted
 * `view` by the job's matrix). A message carries the job's name, who changed it and a build's
 * branch and commit: someone the job's matrix hides it from, or who left the project, must not
 * keep reading them in their inbox.
 */
export async function recipients(tx: Stores, job: JobRecord): Promise<string[]> {
  const wanted = [...new Set([job.creatorId, ...(await tx.notices.watchers(job.id))])];
  const viewers: string[] = [];
  for (const userId of wanted) {
    const user = await tx.users.findById(userId);
    if (user && (await userMay(tx, user, job, 'view'))) viewers.push(userId);
  }
  return viewers;
}
