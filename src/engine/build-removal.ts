import type { ArtifactBlobStore, Storage } from '../storage/ports.ts';

/**
 * Deletes builds with all they own, in one transaction (steps, logs, scripts, artifact rows, flow
 * rows; the job's build counts follow), then their artifacts' bytes. Rows go first: a crash before
 * the bytes go leaves bytes no row names, which the artifact sweep deletes. Shared by the recycle
 * bin's purge and build retention. Returns how many builds went.
 */
export async function removeBuilds(
  storage: Storage,
  blobs: ArtifactBlobStore | undefined,
  recordIds: string[],
): Promise<number> {
  if (recordIds.length === 0) return 0;
  const { builds, artifacts } = await storage.transaction(async (tx) => {
    const artifactIds = await tx.artifacts.deleteByBuilds(recordIds);
    return { builds: await tx.builds.deleteMany(recordIds), artifacts: artifactIds };
  });
  await blobs?.delete(artifacts);
  return builds;
}
