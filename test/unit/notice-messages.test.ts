import { describe, expect, it } from 'vitest';
import { dingTalkBody, noticeText, noticeTitle } from '../../src/domain/notice-messages.ts';
import type { NoticePayload } from '../../src/domain/notices.ts';

/**
 * A notification's title sets the job's name (and who acted) into a sentence. A direction control
 * in a name (U+202E, right-to-left override, is allowed in job names) would turn the words after
 * it around wherever the text is shown (inbox, mail, chat): such a name is isolated (FSI ... PDI).
 */
const payload = (name: string, actor?: string): NoticePayload => ({
  event: actor ? 'forbiddenJob' : 'buildJobFail',
  at: Date.UTC(2026, 11, 6),
  job: { id: 'j'.repeat(32), name, projectId: 'p'.repeat(32) },
  ...(!actor && {
    build: {
      recordId: 'r',
      number: 7,
      state: 'FAILURE',
      branch: 'main',
      commitId: '',
      commitMessage: '',
      startTime: 0,
      durationMs: 1000,
    },
  }),
  ...(actor && { actor }),
});

describe('notification titles', () => {
  it('keep a plain name as it is', () => {
    expect(noticeTitle(payload('nightly'))).toBe('Build #7 of nightly failed');
    expect(noticeTitle(payload('nightly', 'alice'))).toBe('Job nightly was disabled by alice');
  });

  it('isolate a name that holds a direction control, so the words after it keep their order', () => {
    const name = 'release\u202eevil';
    expect(noticeTitle(payload(name))).toBe(`Build #7 of \u2068${name}\u2069 failed`);
    expect(noticeTitle(payload('job', `mallory\u202e`))).toBe(
      'Job job was disabled by \u2068mallory\u202e\u2069',
    );
    for (const control of ['\u202a', '\u202b', '\u202c', '\u202d', '\u2066', '\u2067', '\u2068', '\u2069'])
      expect(noticeTitle(payload(`a${control}b`))).toContain(`\u2068a${control}b\u2069 failed`);
    // The plain-text message (inbox, mail) starts with the same title.
    expect(noticeText(payload(name), 'http://kiln/x').split('\n')[0]).toBe(
      `Build #7 of \u2068${name}\u2069 failed`,
    );
  });
});

describe('DingTalk messages', () => {
  it("make no link, image, emphasis or tag of a commit message or a job's name", () => {
    const p = payload('nightly_[build]');
    p.build!.commitId = 'c0ffee00c0ffee00';
    p.build!.commitMessage =
      'Fix [Reset your password](https://evil.example/) ![x](https://evil.example/i.png) *now* <b>';
    const text = (
      JSON.parse(dingTalkBody(p, 'http://kiln.test/jobs/j/builds/7')) as { markdown: { text: string } }
    ).markdown.text;
    expect(text).toContain(
      'c0ffee00c0ff Fix \\[Reset your password\\](https://evil.example/) !\\[x\\](https://evil.example/i.png) \\*now\\* &lt;b&gt;',
    );
    expect(text).toContain('### Build #7 of nightly\\_\\[build\\] failed');
    // Kiln's own link stays a link.
    expect(text).toContain('[Open in Kiln](http://kiln.test/jobs/j/builds/7)');
  });
});
