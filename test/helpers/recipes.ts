import type { InjectOptions } from 'fastify';
import { createHmac } from 'node:crypto';
import { expect } from 'vitest';
import { operations, type OperationId } from '../../src/contract/operations.ts';
import { repositoryNameOf } from '../../src/domain/scm.ts';
import { rootIdOf } from '../../src/domain/test-report.ts';
import { jobBody } from './app.ts';
import {
  ADMIN,
  createJob,
  FIXTURE_ARTIFACT,
  formBody,
  uploadFile,
  recordLine,
  setRole,
  tokenOf,
  tokenRequest,
  type Credentials,
  type Fixture,
} from './foundation.ts';

/**
 * One valid request per operation, for the auth matrix and the fuzz suite: what each operation names
 * and needs of the caller, how to build its request on a Fixture, and the statuses it succeeds with.
 */

/**
 * Which default-domain resource a request names: it decides what a stranger is told. `credential`
 * is a token or access key of the caller (for a stranger, one of the default admin's).
 */
export type Names = 'job' | 'record' | 'project' | 'user' | 'domain' | 'credential' | 'nothing';

/**
 * What the operation asks of the caller's role: project roles (`read` viewer, `write` developer,
 * `manage` owner), `admin` an administrator of the caller's domain, `operator` an administrator of
 * the default domain (things that span domains), `self` only a valid token.
 */
export type Needs = 'public' | 'read' | 'write' | 'manage' | 'admin' | 'operator' | 'self';

/** How to build one valid-shaped request of an operation. */
export interface Recipe {
  names: Names;
  needs: Needs;
  /** `caller` is who will send it (token operations check a fresh token of theirs). */
  request(fx: Fixture, caller: Credentials): Promise<InjectOptions>;
}

const BUILD_STEP = 'say hello';

const WINDOW = 'start_time=2023-11-01%2000%3A00%3A00&end_time=2023-11-30%2023%3A59%3A59';

/** A new job of the fixture's project (for requests that delete one). */
async function spareJob(fx: Fixture): Promise<string> {
  return createJob(fx.kiln, fx.adminToken, fx.projectId, { job_name: fx.unique('spare-job') });
}

/** A new job of the fixture's project, deleted: it waits in the recycle bin. */
async function binnedJob(fx: Fixture): Promise<string> {
  const jobId = await spareJob(fx);
  const res = await fx.kiln.call(fx.adminToken, { method: 'POST', url: `/v3/jobs/${jobId}/delete` });
  expect(res.statusCode, res.body).toBe(200);
  return jobId;
}

/** A new file of the file manager, the default admin's. */
const spareFile = (fx: Fixture) =>
  uploadFile(fx.kiln, fx.adminToken, fx.unique('file') + '.xml', '<settings/>');

/** A right to a new file, given to the spare user; the file's and the right's ids. */
async function spareGrant(fx: Fixture): Promise<{ file: string; permission: string }> {
  const file = await spareFile(fx);
  const res = await fx.kiln.call(fx.adminToken, {
    method: 'POST',
    url: '/v2/keystore/permission/add',
    payload: {
      keystore_id: file,
      user_id: fx.spareUserId,
      user_name: 'spare',
      setting: false,
      delete: false,
      modify: false,
      usage: true,
      can_absent: false,
    },
  });
  expect(res.statusCode, res.body).toBe(200);
  return { file, permission: res.json().result as string };
}

/** A new build template of the default domain, the admin's; its uuid. */
async function spareTemplate(fx: Fixture): Promise<string> {
  const res = await fx.kiln.call(fx.adminToken, {
    method: 'POST',
    url: '/v1/template/create',
    payload: {
      name: fx.unique('template'),
      template: { steps: [{ module_id: 'kiln.shell', name: 'build', properties: { command: 'make' } }] },
    },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().result.uuid as string;
}

const OFFICIAL_SHELL = '0f1c1a1e5d0b4e6f8a3b0000000a0001';

/** A new (empty) top-level group of the fixture's project. */
async function spareGroup(fx: Fixture): Promise<string> {
  const res = await fx.kiln.call(fx.adminToken, {
    method: 'POST',
    url: `/v1/job/${fx.projectId}/group/create`,
    payload: { name: fx.unique('group') },
  });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { result: { id: string }[] }).result[0]!.id;
}

/** The repository name the fixture's job builds (what the report operations ask for). */
async function fixtureRepository(fx: Fixture): Promise<string> {
  const doc = await fx.kiln.call(fx.adminToken, { method: 'GET', url: `/v3/jobs/${fx.jobId}/query` });
  return repositoryNameOf(doc.json().result.scms[0].url as string);
}

/** A recipe for every operation of the route table (a missing one fails the auth matrix). */
export const RECIPES: Record<OperationId, Recipe> = {
  keystoneCreateUserTokenByPassword: {
    names: 'nothing',
    needs: 'public',
    request: async () => ({ method: 'POST', url: '/v3/auth/tokens', payload: tokenRequest(ADMIN) }),
  },
  keystoneValidateToken: {
    names: 'credential',
    needs: 'self',
    request: async (fx, caller) => ({
      method: 'GET',
      url: '/v3/auth/tokens',
      headers: { 'x-subject-token': await tokenOf(fx.kiln, caller) },
    }),
  },
  keystoneListProjects: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v3/projects?name=local' }),
  },
  keystoneListAuthProjects: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v3/auth/projects' }),
  },
  keystoneListAuthDomains: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v3/auth/domains' }),
  },
  showUserChargeType: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/domain/charge-type' }),
  },
  showDomainStatus: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/domain/status' }),
  },
  showDomainsStatuses: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'POST', url: '/v1/domain/domains-statuses', payload: {} }),
  },
  showUserOverPackageQuota: {
    names: 'project',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/domain/package/quota?project_id=${fx.projectId}` }),
  },
  showAvailableInnerSpec: {
    names: 'project',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v2/resource/spec?project_id=${fx.projectId}&arch=x86-64`,
    }),
  },
  showPackageSpecCountDown: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({
      method: 'POST',
      url: '/v2/resource/countdown',
      payload: { service_type: 'CodeArtsBuild', resource_id: 'r', reminder_day: '7' },
    }),
  },
  showImageTemplateList: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/image/templates' }),
  },
  showDockerfileTemplate: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/image/dockerfile-template?image_id=x64' }),
  },
  showSummaryBuildJobInfo: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/domain/job-summary' }),
  },
  showProjectPermission: {
    names: 'project',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/domain/user-permission?project_id=${fx.projectId}` }),
  },
  keystoneRevokeToken: {
    names: 'credential',
    needs: 'self',
    request: async (fx, caller) => ({
      method: 'DELETE',
      url: '/v3/auth/tokens',
      headers: { 'x-subject-token': await tokenOf(fx.kiln, caller) },
    }),
  },
  showRelatedProject: {
    names: 'nothing',
    needs: 'read',
    request: async () => ({ method: 'GET', url: '/v1/domain/project/related' }),
  },
  listRelatedProjectInfo: {
    names: 'nothing',
    needs: 'read',
    request: async () => ({ method: 'GET', url: '/v1/domain/project/related-page?page_no=1&page_size=10' }),
  },
  createBuildJob: {
    names: 'project',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: '/v3/jobs/create',
      payload: jobBody(fx.projectId, { job_name: fx.unique('job') }),
    }),
  },
  createNewJob: {
    names: 'project',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/job/create',
      payload: jobBody(fx.projectId, { job_name: fx.unique('job') }),
    }),
  },
  updateBuildJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: '/v3/jobs/update',
      payload: { ...jobBody(fx.projectId, { job_name: fx.jobName }), job_id: fx.jobId },
    }),
  },
  updateNewJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/job/update',
      payload: { ...jobBody(fx.projectId, { job_name: fx.jobName }), job_id: fx.jobId },
    }),
  },
  listJobConfig: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v3/jobs/${fx.jobId}/query` }),
  },
  showJobConfig: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/${fx.jobId}/config` }),
  },
  deleteBuildJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'POST', url: `/v3/jobs/${fx.jobId}/delete` }),
  },
  deleteTheJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'DELETE', url: `/v1/job/${fx.jobId}/delete` }),
  },
  // The repository of the fixture's job, whose build 1 (imported) succeeded.
  showLastHistory: {
    names: 'project',
    needs: 'read',
    request: async (fx) => {
      const name = await fixtureRepository(fx);
      return { method: 'GET', url: `/v3/jobs/${fx.projectId}/last-history?repository_name=${name}` };
    },
  },
  showJobInfo: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/${fx.jobId}/info` }),
  },
  listBuildParameter: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/${fx.jobId}/${fx.buildNo}/history-parameters` }),
  },
  copyJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/job/copy',
      payload: { ...jobBody(fx.projectId, { job_name: fx.unique('copy') }), copy_job_id: fx.jobId },
    }),
  },
  showCopyName: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/${fx.jobId}/copy-name` }),
  },
  checkJobNameIsExists: {
    names: 'project',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v1/job/check/exist?project_id=${fx.projectId}&job_name=${encodeURIComponent(fx.jobName)}`,
    }),
  },
  showDisable: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/${fx.jobId}/check/disable` }),
  },
  // Enabling a live job changes nothing the other recipes see.
  disableTheJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: `/v1/job/${fx.jobId}/disable`,
      payload: { disabled: false },
    }),
  },
  stopTheJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'POST', url: `/v1/job/${fx.jobId}/stop?build_no=${fx.buildNo}` }),
  },
  addFavouriteTask: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'POST', url: `/v1/job/${fx.jobId}/follow` }),
  },
  removerFavouriteTask: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'POST', url: `/v1/job/${fx.jobId}/unfollow` }),
  },
  listUpdateJobHistory: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/${fx.jobId}/history?page_no=1&page_size=10` }),
  },
  showJobConfigDiff: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/${fx.jobId}/diff?original_no=1&revisedl_no=1` }),
  },
  batchDeleteBuildJobs: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({
      method: 'DELETE',
      url: '/v1/job/batch-delete',
      payload: { job_ids: [await spareJob(fx)] },
    }),
  },
  listRecyclingJob: {
    names: 'nothing',
    needs: 'read',
    request: async () => ({ method: 'GET', url: '/v1/job/recycling-jobs?page_no=1&page_size=10' }),
  },
  restoreRecyclingJobs: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/job/recycling-restoration',
      payload: { job_ids: [await binnedJob(fx)] },
    }),
  },
  deleteRecyclingJobs: {
    names: 'job',
    needs: 'manage',
    request: async (fx) => ({
      method: 'DELETE',
      url: '/v1/job/recycling-deletion',
      payload: { job_ids: [await binnedJob(fx)] },
    }),
  },
  // Empties what the caller may delete for good: nothing, for a viewer (still a success).
  clearRecyclingJobs: {
    names: 'nothing',
    needs: 'read',
    request: async () => ({ method: 'DELETE', url: '/v1/job/recycling-empty' }),
  },
  checkWebhookUrl: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/job/check/webhook-url',
      payload: {
        job_id: fx.jobId,
        notice_type: 'DING_TALK',
        webhook_url: 'https://oapi.dingtalk.com/robot/send?access_token=abc',
      },
    }),
  },
  showProjectJobPermission: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v1/job/permission?project_id=${fx.projectId}&job_id=${fx.jobId}`,
    }),
  },
  checkJobInternal: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/job/permission/internal' }),
  },
  showJobRolePermission: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/permission/role?job_id=${fx.jobId}` }),
  },
  showDefaultProjectPermission: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v1/job/project/default-permission?project_id=${fx.projectId}&job_id=${fx.jobId}`,
    }),
  },
  batchUpdateJobRolePermission: {
    names: 'job',
    needs: 'manage',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/job/permissions/batch',
      payload: {
        job_ids: [await spareJob(fx)],
        permissions: [{ role_id: 4, is_view: true, is_execute: true }],
      },
    }),
  },
  applyProjectPermission: {
    names: 'job',
    needs: 'manage',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/job/project/permission',
      payload: { job_id: await spareJob(fx), project_switch: false },
    }),
  },
  checkJobCountIsTopLimit: {
    names: 'project',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/check/count?project_id=${fx.projectId}` }),
  },
  listJob: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/job/list?page_size=5&search=job' }),
  },
  setKeepTime: {
    names: 'nothing',
    needs: 'admin',
    request: async () => ({ method: 'POST', url: '/v1/job/keep-time', payload: { keep_time: 30 } }),
  },
  disableBuildJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'POST', url: `/v3/jobs/${fx.jobId}/disable` }),
  },
  enableBuildJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'POST', url: `/v3/jobs/${fx.jobId}/recover` }),
  },
  showJobListByProjectId: {
    names: 'project',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v3/${fx.projectId}/jobs?page_index=0&page_size=10` }),
  },
  createJobGroup: {
    names: 'project',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: `/v1/job/${fx.projectId}/group/create`,
      payload: { name: fx.unique('group') },
    }),
  },
  updateJobGroup: {
    names: 'project',
    needs: 'write',
    request: async (fx) => ({
      method: 'PUT',
      url: `/v1/job/${fx.projectId}/group/update`,
      payload: { id: await spareGroup(fx), name: fx.unique('renamed') },
    }),
  },
  deleteGroup: {
    names: 'project',
    needs: 'write',
    request: async (fx) => ({
      method: 'DELETE',
      url: `/v1/job/${fx.projectId}/group/delete?id=${await spareGroup(fx)}`,
    }),
  },
  moveGroup: {
    names: 'project',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: `/v1/job/${fx.projectId}/group/move`,
      payload: { group_id: await spareGroup(fx), jobs: [{ job_id: await spareJob(fx) }] },
    }),
  },
  switchedPacket: {
    names: 'project',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: `/v1/job/${fx.projectId}/group/swap?source_group_id=${await spareGroup(fx)}&target_group_id=${await spareGroup(fx)}`,
    }),
  },
  listGroupTree: {
    names: 'project',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/${fx.projectId}/group/tree` }),
  },
  listProjectJobs: {
    names: 'project',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/${fx.projectId}/list?page_index=0&page_size=10` }),
  },
  listBuildInfoRecord: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v3/jobs/${fx.jobId}/build-info-records?${WINDOW}` }),
  },
  listBuildInfoRecordByJobId: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/record/${fx.jobId}/list?${WINDOW}` }),
  },
  showBuildInfoRecord: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/record/${fx.jobId}/1/build-info-record` }),
  },
  showJobSuccessRatio: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v3/jobs/${fx.jobId}/success-ratio?start_time=2023-11-01&end_time=2023-11-30`,
    }),
  },
  importBuildRecords: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: `/v1/kiln/jobs/${fx.jobId}/import`,
      headers: { 'content-type': 'application/x-ndjson' },
      payload: `${recordLine(1)}\n`,
    }),
  },
  runJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'POST', url: '/v3/jobs/build', payload: { job_id: fx.jobId } }),
  },
  executeJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'POST', url: '/v1/job/execute', payload: { job_id: fx.jobId } }),
  },
  stopBuildJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'POST', url: `/v3/jobs/${fx.jobId}/${fx.buildNo}/stop` }),
  },
  stopJob: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: '/v3/jobs/stop',
      payload: { job_id: fx.jobId, build_no: String(fx.buildNo) },
    }),
  },
  showJobStatus: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v3/jobs/${fx.jobId}/status` }),
  },
  showRunningStatus: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/${fx.jobId}/running-status` }),
  },
  showListHistory: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v3/jobs/${fx.jobId}/history?offset=0&limit=10&interval=7`,
    }),
  },
  showListPeriodHistory: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v3/jobs/${fx.jobId}/period-history?start_time=2023-11-01&end_time=2023-11-30`,
    }),
  },
  showHistoryDetails: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v3/jobs/${fx.jobId}/${fx.buildNo}/history-details` }),
  },
  showRecordDetail: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v4/jobs/${fx.jobId}/${fx.buildNo}/record-info` }),
  },
  downloadRealTimeLog: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v3/jobs/${fx.jobId}/${fx.buildNo}/real-time-log?offset=0`,
    }),
  },
  downloadBuildLog: {
    names: 'record',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v4/${fx.recordId}/download-log` }),
  },
  downloadBuildFullLog: {
    names: 'record',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/log/${fx.recordId}/download-log?compress=true` }),
  },
  downloadLogByRecordId: {
    names: 'record',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v3/${fx.recordId}/download-log` }),
  },
  downloadTaskLog: {
    names: 'record',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v4/${fx.recordId}/task-log?task_name=${encodeURIComponent(BUILD_STEP)}`,
    }),
  },
  showRecordInfo: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v3/jobs/${fx.jobId}/${fx.buildNo}/record-info` }),
  },
  showJobBuildRecordDetail: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/record/${fx.jobId}/${fx.buildNo}/record-info` }),
  },
  showJobStepStatus: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/${fx.jobId}/status?build_no=${fx.buildNo}` }),
  },
  listJunitCoverageSummary: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v1/report/junit/coverage/list?job_id=${fx.jobId}&build_no=${fx.buildNo}`,
    }),
  },
  showFlowGraph: {
    names: 'record',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v3/${fx.flowRecordId}/flow-graph` }),
  },
  showBuildRecordFlowGraph: {
    names: 'record',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/record/${fx.flowRecordId}/flow-graph` }),
  },
  showOutputInfo: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v3/jobs/${fx.jobId}/${fx.buildNo}/output-info` }),
  },
  listBuildArtifacts: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/kiln/jobs/${fx.jobId}/${fx.buildNo}/artifacts` }),
  },
  downloadBuildArtifact: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v1/kiln/jobs/${fx.jobId}/${fx.buildNo}/artifacts/${FIXTURE_ARTIFACT}`,
    }),
  },
  downloadJunitCoverageZip: {
    names: 'job',
    needs: 'read',
    request: async (fx) => {
      const build = await fx.kiln.storage.builds.findByNumber(fx.jobId, fx.buildNo);
      const rootId = rootIdOf(build?.recordId ?? fx.recordId, 0);
      return {
        method: 'GET',
        url: `/v1/report/junit/coverage/download?job_id=${fx.jobId}&build_no=${fx.buildNo}&root_id=${rootId}`,
      };
    },
  },
  listJobWebhookDeliveries: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'GET', url: `/v1/kiln/jobs/${fx.jobId}/webhook/deliveries` }),
  },
  listCommitMessages: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v1/kiln/jobs/${fx.jobId}/commit-messages?numbers=${fx.buildNo}`,
    }),
  },
  listJobSchedules: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/kiln/jobs/${fx.jobId}/schedules` }),
  },
  showQueue: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/kiln/queue' }),
  },
  showBuildRunner: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/kiln/jobs/${fx.jobId}/${fx.buildNo}/runner` }),
  },
  listBuildTests: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v1/kiln/jobs/${fx.jobId}/${fx.buildNo}/tests?status=failed`,
    }),
  },
  showTestTrend: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/kiln/jobs/${fx.jobId}/test-trend?builds=10` }),
  },
  showReportSummary: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/report/${fx.jobId}/summary?build_no=${fx.buildNo}` }),
  },
  showActionIInfo: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v1/log/stage/page?job_id=${fx.jobId}&build_no=${fx.buildNo}&start_offset=0&end_offset=0`,
    }),
  },
  downloadBuildRealTimeLog: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v1/log/${fx.jobId}/${fx.buildNo}/real-time-log?start_offset=0&end_offset=0&size=4096`,
    }),
  },
  showJobInsights: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/kiln/jobs/${fx.jobId}/insights?days=30` }),
  },
  showProjectInsights: {
    names: 'project',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/kiln/projects/${fx.projectId}/insights?days=30` }),
  },
  showJobBuildSuccessRatio: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v1/report/ratio?job_id=${fx.jobId}&repository_name=${await fixtureRepository(fx)}&interval=7`,
    }),
  },
  showJobBuildTime: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v1/report/time?job_id=${fx.jobId}&repository_name=${await fixtureRepository(fx)}&interval=7`,
    }),
  },
  listRepository: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/report/${fx.jobId}/repositories` }),
  },
  listRepoBranch: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v1/report/branches?job_id=${fx.jobId}&repository_name=${await fixtureRepository(fx)}`,
    }),
  },
  listRecords: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'GET',
      url: `/v1/record/${fx.jobId}/records?page=0&limit=10&triggers=MANUAL`,
    }),
  },
  showJobTotal: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/record/${fx.jobId}/statistics?from_date=2023-01-01` }),
  },
  listBriefRecord: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'POST', url: '/v1/record/brief?limit=5', payload: [fx.jobId] }),
  },
  showBuildDetails: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/${fx.jobId}/${fx.buildNo}/build-info` }),
  },
  showBuildRecord: {
    names: 'record',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/record/${fx.recordId}/info` }),
  },
  showBuildRecordFullStages: {
    names: 'record',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/record/${fx.recordId}/full-stages?cascade=true` }),
  },
  showBuildRecordBuildScript: {
    names: 'record',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/record/${fx.recordId}/build-script` }),
  },
  showJobPipelineInfo: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/${fx.jobId}/pipeline-info` }),
  },
  showYamlTemplate: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/template/${fx.jobId}/default-template` }),
  },
  showJobSystemParameters: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/job/system-parameters' }),
  },
  showDefaultBuildParameters: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/job/default-parameters' }),
  },
  showBuildParamsList: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/job/build-params' }),
  },
  receiveWebhook: {
    names: 'job',
    needs: 'public',
    // A correctly signed GitHub ping: accepted, and ignored since it is not a push. The secret is
    // read at the time: rotateJobWebhookSecret replaces it.
    request: async (fx) => {
      const payload = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
      const signature = createHmac('sha256', await webhookSecretOf(fx))
        .update(payload)
        .digest('hex');
      return {
        method: 'POST',
        url: `/v1/kiln/webhooks/${fx.jobId}`,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'ping',
          'x-hub-signature-256': `sha256=${signature}`,
        },
        payload,
      };
    },
  },
  listNotice: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v3/jobs/notice/${fx.jobId}/query` }),
  },
  updateNotice: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: `/v3/jobs/notice/${fx.jobId}/update`,
      payload: { notice_type: 'MESSAGE', enabled_event_type_names: ['buildJobFail'] },
    }),
  },
  disableNotice: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: `/v3/jobs/notice/${fx.jobId}/disable?notice_type=MAIL`,
    }),
  },
  showJobNoticeConfigInfo: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/job/${fx.jobId}/notice` }),
  },
  updateNewNoticeNew: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({
      method: 'PUT',
      url: `/v1/job/${fx.jobId}/notice`,
      payload: { notice_type: 'MESSAGE', enabled_event_type_names: ['buildJobFail'] },
    }),
  },
  listJobNotifications: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/kiln/jobs/${fx.jobId}/notifications` }),
  },
  testJobNotice: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: `/v1/kiln/jobs/${fx.jobId}/notice/test`,
      payload: { notice_type: 'MESSAGE' },
    }),
  },
  showJobWatch: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/kiln/jobs/${fx.jobId}/watch` }),
  },
  updateJobWatch: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({
      method: 'PUT',
      url: `/v1/kiln/jobs/${fx.jobId}/watch`,
      payload: { watching: true },
    }),
  },
  listInbox: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/kiln/inbox' }),
  },
  showMyNotifications: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/kiln/users/me/notifications' }),
  },
  updateMyNotifications: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({
      method: 'PUT',
      url: '/v1/kiln/users/me/notifications',
      payload: { email: 'someone@example.com' },
    }),
  },
  markInboxRead: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'POST', url: '/v1/kiln/inbox/read', payload: {} }),
  },
  uploadKeystore: {
    names: 'nothing',
    needs: 'self',
    request: async (fx) => ({
      method: 'POST',
      url: '/v2/keystore/upload',
      ...formBody({ privacy: 'private' }, { name: `${fx.unique('up')}.jks`, data: 'keystore bytes' }),
    }),
  },
  listKeystoreSearch: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v2/keystore/list?page=1&page_size=10' }),
  },
  listKeystore: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v2/keystore/name' }),
  },
  updateKeystore: {
    names: 'domain',
    needs: 'manage',
    request: async (fx) => {
      const id = await spareFile(fx);
      return {
        method: 'POST',
        url: `/v2/keystore/update/${id}`,
        payload: { id, keystore_name: `${fx.unique('renamed')}.xml`, description: 'renamed', share: 0 },
      };
    },
  },
  deleteKeystore: {
    names: 'domain',
    needs: 'manage',
    request: async (fx) => ({ method: 'DELETE', url: `/v2/keystore/${await spareFile(fx)}/delete` }),
  },
  downloadKeystoreByName: {
    names: 'domain',
    needs: 'manage',
    request: async (fx) => {
      const name = `${fx.unique('dl')}.xml`;
      const id = await uploadFile(fx.kiln, fx.adminToken, name, '<settings/>');
      const domain = (await fx.kiln.call(fx.adminToken, { method: 'GET', url: '/v1/kiln/users/me' })).json()
        .result.domain_id as string;
      return { method: 'GET', url: `/v2/keystore/download?name=${name}&domain_id=${domain}&id=${id}` };
    },
  },
  downloadKeystore: {
    names: 'domain',
    needs: 'manage',
    request: async (fx) => {
      const name = `${fx.unique('dl3')}.xml`;
      await uploadFile(fx.kiln, fx.adminToken, name, '<settings/>');
      const domain = (await fx.kiln.call(fx.adminToken, { method: 'GET', url: '/v1/kiln/users/me' })).json()
        .result.domain_id as string;
      return { method: 'GET', url: `/v3/keystore?file_name=${name}&domain_id=${domain}` };
    },
  },
  addKeystorePermission: {
    names: 'domain',
    needs: 'manage',
    request: async (fx) => ({
      method: 'POST',
      url: '/v2/keystore/permission/add',
      payload: {
        keystore_id: await spareFile(fx),
        user_id: fx.spareUserId,
        user_name: 'spare',
        setting: false,
        delete: false,
        modify: false,
        usage: true,
        can_absent: true,
      },
    }),
  },
  updateKeystorePermission: {
    names: 'domain',
    needs: 'manage',
    request: async (fx) => {
      const { file, permission } = await spareGrant(fx);
      return {
        method: 'POST',
        url: '/v2/keystore/permission/edit',
        payload: {
          id: permission,
          keystore_id: file,
          user_name: 'spare',
          delete: false,
          modify: true,
          usage: true,
        },
      };
    },
  },
  showKeystorePermission: {
    names: 'domain',
    needs: 'self',
    request: async (fx) => ({
      method: 'GET',
      url: `/v2/keystore/permission/${await spareFile(fx)}/query?page=1&page_size=10`,
    }),
  },
  deleteKeystorePermission: {
    names: 'domain',
    needs: 'manage',
    request: async (fx) => ({
      method: 'DELETE',
      url: `/v2/keystore/permission/${(await spareGrant(fx)).permission}/delete`,
    }),
  },
  createTemplate: {
    names: 'nothing',
    needs: 'self',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/template/create',
      payload: {
        name: fx.unique('t1'),
        template: { steps: [{ module_id: 'kiln.shell', name: 'build', properties: { command: 'make' } }] },
      },
    }),
  },
  createTemplates: {
    names: 'nothing',
    needs: 'self',
    request: async (fx) => ({
      method: 'POST',
      url: '/v3/templates/create',
      payload: {
        name: fx.unique('t3'),
        template: { steps: [{ module_id: 'kiln.shell', name: 'build', properties: { command: 'make' } }] },
      },
    }),
  },
  showTemplate: {
    names: 'domain',
    needs: 'self',
    request: async (fx) => ({ method: 'GET', url: `/v1/template/${await spareTemplate(fx)}/custom` }),
  },
  listCustomTemplate: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/template/custom?page=1&page_size=10' }),
  },
  listTemplates: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v3/templates/query?page=0&page_size=10' }),
  },
  deleteTemplate: {
    names: 'domain',
    needs: 'manage',
    request: async (fx) => ({ method: 'DELETE', url: `/v1/template/${await spareTemplate(fx)}/delete` }),
  },
  deleteTemplates: {
    names: 'domain',
    needs: 'manage',
    request: async (fx) => ({ method: 'DELETE', url: `/v3/templates/${await spareTemplate(fx)}/delete` }),
  },
  addFavouriteCustomTemplate: {
    names: 'domain',
    needs: 'self',
    request: async (fx) => ({ method: 'POST', url: `/v1/template/custom/${await spareTemplate(fx)}/follow` }),
  },
  removerFavouriteCustomTemplate: {
    names: 'domain',
    needs: 'self',
    request: async (fx) => ({
      method: 'POST',
      url: `/v1/template/custom/${await spareTemplate(fx)}/unfollow`,
    }),
  },
  addFavouriteOfficialTemplate: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'POST', url: `/v1/template/official/${OFFICIAL_SHELL}/follow` }),
  },
  removerFavouriteOfficialTemplate: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'POST', url: `/v1/template/official/${OFFICIAL_SHELL}/unfollow` }),
  },
  listOfficialTemplate: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/template/officialtemplates?page=0&page_size=20' }),
  },
  listRecommendOfficialTemplate: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({
      method: 'POST',
      url: '/v1/template/recommend',
      payload: { git_url: 'https://example.com/team/go-service.git', branch: 'main' },
    }),
  },
  saveTemplateUsedInfo: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/template/used-info',
      payload: { job_id: fx.jobId, template_id: OFFICIAL_SHELL },
    }),
  },
  showJobBadge: {
    names: 'job',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/kiln/jobs/${fx.jobId}/badge` }),
  },
  updateJobBadge: {
    names: 'job',
    needs: 'manage',
    request: async (fx) => ({
      method: 'PUT',
      url: `/v1/kiln/jobs/${fx.jobId}/badge`,
      payload: { enabled: true },
    }),
  },
  showJobBadgeImage: {
    names: 'job',
    needs: 'public',
    // The image answers only once the badge is on: an owner turns it on first.
    request: async (fx) => {
      const on = await fx.kiln.call(fx.adminToken, {
        method: 'PUT',
        url: `/v1/kiln/jobs/${fx.jobId}/badge`,
        payload: { enabled: true },
      });
      expect(on.statusCode, on.body).toBe(200);
      return { method: 'GET', url: `/v1/kiln/jobs/${fx.jobId}/badge.svg` };
    },
  },
  showJobWebhook: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'GET', url: `/v1/kiln/jobs/${fx.jobId}/webhook` }),
  },
  rotateJobWebhookSecret: {
    names: 'job',
    needs: 'write',
    request: async (fx) => ({ method: 'POST', url: `/v1/kiln/jobs/${fx.jobId}/webhook/secret` }),
  },
  createDomain: {
    names: 'nothing',
    needs: 'operator',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/kiln/domains',
      payload: { name: fx.unique('domain'), admin_name: 'root', admin_password: 'root-password-1' },
    }),
  },
  listUsers: {
    names: 'nothing',
    needs: 'admin',
    request: async () => ({ method: 'GET', url: '/v1/kiln/users' }),
  },
  createUser: {
    names: 'nothing',
    needs: 'admin',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/kiln/users',
      payload: { name: fx.unique('user'), password: 'user-password-1' },
    }),
  },
  showCurrentUser: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/kiln/users/me' }),
  },
  showServerInfo: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/kiln/info' }),
  },
  changeOwnPassword: {
    names: 'nothing',
    needs: 'self',
    // The same password again: a real change (tokens die) that leaves the caller able to sign in.
    request: async (_fx, caller) => ({
      method: 'POST',
      url: '/v1/kiln/users/me/password',
      payload: { old_password: caller.password, new_password: caller.password },
    }),
  },
  updateUser: {
    names: 'user',
    needs: 'admin',
    request: async (fx) => ({
      method: 'PUT',
      url: `/v1/kiln/users/${fx.spareUserId}`,
      payload: { display_name: 'Spare User' },
    }),
  },
  setUserPassword: {
    names: 'user',
    needs: 'admin',
    request: async (fx) => ({
      method: 'PUT',
      url: `/v1/kiln/users/${fx.spareUserId}/password`,
      payload: { password: 'spare-password-2' },
    }),
  },
  createProject: {
    names: 'nothing',
    needs: 'admin',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/kiln/projects',
      payload: { name: fx.unique('project') },
    }),
  },
  listMembers: {
    names: 'project',
    needs: 'read',
    request: async (fx) => ({ method: 'GET', url: `/v1/kiln/projects/${fx.projectId}/members` }),
  },
  setMember: {
    names: 'project',
    needs: 'manage',
    request: async (fx) => ({
      method: 'PUT',
      url: `/v1/kiln/projects/${fx.projectId}/members/${fx.spareUserId}`,
      payload: { role: 'viewer' },
    }),
  },
  removeMember: {
    names: 'project',
    needs: 'manage',
    request: async (fx) => {
      // The spare user has to be a member for the removal to succeed.
      await setRole(fx.kiln, fx.adminToken, fx.projectId, fx.spareUserId, 'viewer');
      return { method: 'DELETE', url: `/v1/kiln/projects/${fx.projectId}/members/${fx.spareUserId}` };
    },
  },
  createRunner: {
    names: 'nothing',
    needs: 'operator',
    request: async (fx) => ({
      method: 'POST',
      url: '/v1/kiln/runners',
      payload: { name: fx.unique('runner') },
    }),
  },
  listRunners: {
    names: 'nothing',
    needs: 'operator',
    request: async () => ({ method: 'GET', url: '/v1/kiln/runners' }),
  },
  updateRunner: {
    names: 'nothing',
    needs: 'operator',
    request: async (fx) => ({
      method: 'PUT',
      url: `/v1/kiln/runners/${await registerRunner(fx)}`,
      payload: { disabled: true },
    }),
  },
  deleteRunner: {
    names: 'nothing',
    needs: 'operator',
    request: async (fx) => ({ method: 'DELETE', url: `/v1/kiln/runners/${await registerRunner(fx)}` }),
  },
  createAccessKey: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'POST', url: '/v1/kiln/access-keys', payload: { description: 'ci' } }),
  },
  listAccessKeys: {
    names: 'nothing',
    needs: 'self',
    request: async () => ({ method: 'GET', url: '/v1/kiln/access-keys' }),
  },
  updateAccessKey: {
    names: 'credential',
    needs: 'self',
    request: async (fx, caller) => ({
      method: 'PUT',
      url: `/v1/kiln/access-keys/${await accessKeyOf(fx, caller)}`,
      payload: { status: 'disabled' },
    }),
  },
  deleteAccessKey: {
    names: 'credential',
    needs: 'self',
    request: async (fx, caller) => ({
      method: 'DELETE',
      url: `/v1/kiln/access-keys/${await accessKeyOf(fx, caller)}`,
    }),
  },
};

/** The fixture job's webhook secret as it is now (read as the default admin). */
async function webhookSecretOf(fx: Fixture): Promise<string> {
  const res = await fx.kiln.call(fx.adminToken, { method: 'GET', url: `/v1/kiln/jobs/${fx.jobId}/webhook` });
  expect(res.statusCode, `webhook: ${res.body}`).toBe(200);
  return res.json().result.secret as string;
}

/** Creates an access key of `who` (signing in as them); returns its AK. */
async function accessKeyOf(fx: Fixture, who: Credentials): Promise<string> {
  const res = await fx.kiln.call(await tokenOf(fx.kiln, who), {
    method: 'POST',
    url: '/v1/kiln/access-keys',
    payload: { description: 'made by a recipe' },
  });
  expect(res.statusCode, `create access key: ${res.body}`).toBe(201);
  return res.json().result.key.ak as string;
}

/** Registers a remote runner (as the default admin); returns its id. */
async function registerRunner(fx: Fixture): Promise<string> {
  const res = await fx.kiln.call(fx.adminToken, {
    method: 'POST',
    url: '/v1/kiln/runners',
    payload: { name: fx.unique('runner') },
  });
  expect(res.statusCode, `register runner: ${res.body}`).toBe(201);
  return res.json().result.runner.id as string;
}

/** The success status the route table declares for an operation. */
export function successStatus(id: OperationId): number {
  return Number(Object.keys(operations[id].response)[0]);
}

/** Every success status an operation declares (a webhook answers 200 when it builds, 202 when it ignores). */
export function successStatuses(id: OperationId): number[] {
  return Object.keys(operations[id].response).map(Number);
}

/** Adds or replaces the X-Auth-Token of a request. */
export function withToken(options: InjectOptions, token: string | undefined): InjectOptions {
  const headers = { ...(options.headers as Record<string, string> | undefined) };
  delete headers['x-auth-token'];
  if (token !== undefined) headers['x-auth-token'] = token;
  return { ...options, headers };
}
