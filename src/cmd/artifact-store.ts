import { join, resolve } from 'node:path';
import { FsArtifactBlobs } from '../storage/files/fs-artifact-blobs.ts';
import type { ArtifactBlobStore } from '../storage/ports.ts';
import type { Config } from './config.ts';

/** The artifact store a server uses, what to log of it, and how to let it go. */
export interface OpenedArtifactStore {
  blobs: ArtifactBlobStore;
  /** Where the bytes go, for the start line (never a credential). */
  where: string;
  close(): void;
}

/**
 * The artifact store the configuration names: S3-compatible object storage when a bucket is set
 * (unfinished uploads in parts/ of the artifact directory), else the artifact directory. The AWS
 * SDK loads only then: it is a large part of a server's start.
 */
export async function openArtifactStore(config: Config): Promise<OpenedArtifactStore> {
  const dir = resolve(config.artifactDir ?? join(config.dataDir, 'artifacts'));
  const bucket = config.artifactS3Bucket;
  if (bucket === undefined) return { blobs: new FsArtifactBlobs(dir), where: dir, close() {} };
  const { S3ArtifactBlobs } = await import('../storage/files/s3-artifact-blobs.ts');
  const s3 = new S3ArtifactBlobs({
    bucket,
    prefix: config.artifactS3Prefix,
    partsDir: join(dir, 'parts'),
    region: config.artifactS3Region,
    forcePathStyle: config.artifactS3ForcePathStyle === 'on',
    direct: config.artifactS3Direct === 'on',
    ...(config.artifactS3Endpoint && { endpoint: config.artifactS3Endpoint }),
    ...(config.artifactS3RunnerEndpoint && { runnerEndpoint: config.artifactS3RunnerEndpoint }),
    ...(config.artifactS3AccessKeyId &&
      config.artifactS3SecretAccessKey && {
        credentials: {
          accessKeyId: config.artifactS3AccessKeyId,
          secretAccessKey: config.artifactS3SecretAccessKey,
        },
      }),
  });
  const object = `s3://${bucket}/${config.artifactS3Prefix ? `${config.artifactS3Prefix}/` : ''}`;
  return {
    blobs: s3,
    where: config.artifactS3Endpoint ? `${object} at ${config.artifactS3Endpoint}` : object,
    close: () => s3.destroy(),
  };
}
