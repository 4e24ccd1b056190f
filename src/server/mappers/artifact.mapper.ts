import type { Static } from 'typebox';
import type { ArtifactList, OutputInfo } from '../../contract/artifacts.ts';
import { artifactPath, type Artifact } from '../../domain/artifact.ts';

type OutPut = NonNullable<Static<typeof OutputInfo>['result']['package_info']>;

const outPut = (a: Artifact, projectId: string, dailyBuildNumber: string): OutPut => ({
  project_id: projectId,
  name: a.name,
  version: a.version,
  package_type: 'generic',
  uri: artifactPath(a.jobId, a.buildNumber, a.name),
  type: 'package',
  daily_build_number: dailyBuildNumber,
});

/** ShowOutputInfo: every artifact by name, the one kept last as `package_info`; no images. */
export function toOutputInfo(kept: {
  artifacts: Artifact[];
  projectId: string;
  dailyBuildNumber: string;
}): Static<typeof OutputInfo> {
  const { artifacts, projectId, dailyBuildNumber } = kept;
  const last = artifacts.reduce<Artifact | undefined>(
    (a, b) => (!a || b.createdAt > a.createdAt ? b : a),
    undefined,
  );
  return {
    result: {
      package_info: last ? outPut(last, projectId, dailyBuildNumber) : null,
      package_infos:
        artifacts.length === 0
          ? null
          : Object.fromEntries(artifacts.map((a) => [a.name, outPut(a, projectId, dailyBuildNumber)])),
      image_infos: null,
    },
    error: null,
    status: 'success',
  };
}

/** Kiln's artifact list. */
export function toArtifactList(artifacts: Artifact[]): Static<typeof ArtifactList> {
  return {
    result: {
      artifacts: artifacts.map((a) => ({
        name: a.name,
        version: a.version,
        size: a.size,
        sha256: a.sha256,
        content_type: a.contentType,
        created_at: a.createdAt,
        uri: artifactPath(a.jobId, a.buildNumber, a.name),
      })),
    },
    error: null,
    status: 'success',
  };
}
