import { openArtifact, type ArtifactAddress } from '../../../src/client/artifact-download.ts';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { saveResponse } from './save-file.ts';

/**
 * Saves one artifact of a build under its name (DownloadBuildArtifact, fetched with the token like
 * the log: see saveResponse).
 */
export async function downloadArtifact(client: Kiln, at: ArtifactAddress): Promise<void> {
  await saveResponse((await openArtifact(client, at)).response, at.name);
}
