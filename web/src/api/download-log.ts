import type { Kiln } from '../../../src/client/kiln-client.ts';
import { saveResponse } from './save-file.ts';

/** Saves a build's whole log as a file (DownloadBuildLog, fetched with the token: see saveResponse). */
export async function downloadBuildLog(client: Kiln, recordId: string, fileName: string): Promise<void> {
  await saveResponse(await client.open('downloadBuildLog', { params: { record_id: recordId } }), fileName);
}
