import type { Artifact } from '../domain/artifact.ts';
import type { BuildStep } from '../domain/build.ts';
import { AppError, invalidParam } from '../domain/errors.ts';
import type { Principal } from '../domain/identity.ts';
import { reportZipName, stepOfRootId, type TestStatus } from '../domain/test-report.ts';
import type { Storage, StoredTestCase, TestTrendPoint } from '../storage/ports.ts';

export type { TestTrendPoint };
import { requireJob } from './access.ts';
import type { ArtifactService } from './artifact-service.ts';
import type { BuildService, BuildView } from './build-service.ts';

/** The most builds a test trend looks back over. */
export const MAX_TREND_BUILDS = 500;

/** A page of a build's test cases. */
export interface TestCasePage {
  view: BuildView;
  /** The steps that read test reports. */
  steps: BuildStep[];
  cases: StoredTestCase[];
  /** Cases kept that match the filter. */
  total: number;
  /** Cases kept of every status (the reports' counts may be larger: see TEST_LIMITS). */
  kept: number;
}

/**
 * What builds' test reports said (the runner reads them: runner/test-reports.ts): a build's kept
 * test cases, a job's test trend over its latest builds, and the zip of a step's report files.
 */
export class TestReportService {
  constructor(
    private readonly storage: Storage,
    private readonly builds: BuildService,
    private readonly artifacts: ArtifactService,
  ) {}

  async cases(
    caller: Principal,
    jobId: string,
    buildNumber: number,
    filter: { status?: TestStatus; offset: number; limit: number },
  ): Promise<TestCasePage> {
    const view = await this.builds.viewByNumber(caller, jobId, buildNumber);
    const page = await this.storage.testCases.list(view.build.recordId, filter);
    return { view, steps: view.steps.filter((s) => s.tests !== undefined), ...page };
  }

  /** The builds with test reports among the job's latest `builds`, newest first. */
  async trend(caller: Principal, jobId: string, builds: number): Promise<TestTrendPoint[]> {
    if (!Number.isSafeInteger(builds) || builds < 1 || builds > MAX_TREND_BUILDS)
      throw invalidParam(`builds must be 1 to ${MAX_TREND_BUILDS}`);
    await requireJob(this.storage, caller, jobId, 'view');
    return this.storage.testCases.trend(jobId, builds);
  }

  /** DownloadJunitCoverageZip: the artifact holding the report files of the step `rootId` names. */
  async reportZip(caller: Principal, jobId: string, buildNumber: number, rootId: string): Promise<Artifact> {
    const view = await this.builds.viewByNumber(caller, jobId, buildNumber);
    const index = stepOfRootId(rootId, view.build.recordId);
    const step = index === undefined ? undefined : view.steps[index];
    if (index === undefined || !step?.tests)
      throw new AppError(
        'NOT_FOUND',
        `build ${buildNumber} has no unit-test reports under root_id ${rootId} (ListJunitCoverageSummary names them)`,
      );
    const name = reportZipName(index);
    return this.artifacts.describe(caller, jobId, buildNumber, name).catch((error: unknown) => {
      if (error instanceof AppError && error.code === 'NOT_FOUND')
        throw new AppError(
          'NOT_FOUND',
          `the report files of ${rootId} were not kept (artifact ${name}: the build log says why)`,
        );
      throw error;
    });
  }
}
