import { describe, expect, it } from 'vitest';
import { LAST_COMMIT_TIME } from '../../src/domain/time.ts';
import { readResolved } from '../../src/runner/mirror-scripts.ts';

/** How the runner reads the mirror keeper's answer about the commit a build checks out. */

const SEP = '\u001f';
/** The resolve script's answer line for a commit whose committer date is `seconds`. */
const answer = (seconds: string) =>
  `fetching\n${SEP}kiln${SEP}${['branch', 'main', 'a'.repeat(40), seconds, 'Ann', 'subject'].join(SEP)}\n`;

describe('the resolved commit', () => {
  it('takes the commit time in ms', () => {
    expect(readResolved(answer('1700000000'), 0, 1).answer).toMatchObject({
      kind: 'branch',
      commitTime: 1_700_000_000_000,
      commitAuthor: 'Ann',
      commitMessage: 'subject',
    });
  });

  it('has no commit time past year 9999 (git takes any date; the server keeps none such)', () => {
    // `GIT_COMMITTER_DATE="@99999999999999 +0000" git commit` makes such a commit: its time in ms
    // is past what a Date holds, and the build it was reported for could never be shown or ended.
    expect(readResolved(answer('99999999999999'), 0, 1).answer).toMatchObject({ commitTime: null });
    expect(readResolved(answer(String(Math.floor(LAST_COMMIT_TIME / 1000))), 0, 1).answer).toMatchObject({
      commitTime: Math.floor(LAST_COMMIT_TIME / 1000) * 1000,
    });
    expect(readResolved(answer('253402300800'), 0, 1).answer).toMatchObject({ commitTime: null });
  });
});
