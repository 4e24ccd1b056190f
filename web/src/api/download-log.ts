import type { Kiln } from '../../../src/client/kiln-client.ts';
import { operations } from '../../../src/contract/operations.ts';

/**
 * Saves a build's whole log as a file. The download operation needs the X-Auth-Token header, which
 * a plain link cannot send, so the page fetches it with the client and hands the browser a blob.
 */
export async function downloadBuildLog(client: Kiln, recordId: string, fileName: string): Promise<void> {
  const path = operations.downloadBuildLog.path.replace('{record_id}', encodeURIComponent(recordId));
  const response = await client.request({ method: operations.downloadBuildLog.method, path });
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = fileName;
    document.body.append(a);
    a.click();
    a.remove();
  } finally {
    // The click has handed the blob to the browser's download; give it a moment before revoking.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
