/**
 * What started a build, in the API's own words (a record's `trigger_type`): the dashboard shows
 * these words as they are, as the CLI and the API do, so one vocabulary names a trigger
 * everywhere; the words' meaning is the title.
 */
const MEANINGS: Record<string, string> = {
  Manual: 'started by a person: Run in the dashboard, kiln run, or RunJob in the API',
  Scheduled: "started by one of the job's schedules (its timer triggers)",
  CodeUpdate: 'started by a push to the repository (its webhook: the job’s code-update trigger)',
};

/** The title that says what a trigger word means ('' for a word Kiln does not know). */
export function triggerMeaning(type: string): string {
  return MEANINGS[type] ?? '';
}
