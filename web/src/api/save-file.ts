/**
 * Hands a downloaded answer to the browser's downloads as `fileName`. The dashboard's downloads
 * need the X-Auth-Token header, which a plain link cannot send, so the page fetches them with the
 * client and gives the browser a blob URL instead. The blob is held in memory until saved.
 */
export async function saveResponse(response: Response, fileName: string): Promise<void> {
  const url = URL.createObjectURL(await response.blob());
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
