import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chatText,
  dingTalkBody,
  noticeText,
  noticeTitle,
  slackBody,
} from '../../src/domain/notice-messages.ts';
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

/**
 * What would make a link, an image or a tag of text in Slack's mrkdwn or in Markdown as Mattermost
 * reads the same body: `](` (inline link, image), `][` (reference), `]:` (its definition), and any
 * `<` or `>` (Slack's `<url|text>`, `<!channel>`; Markdown's `<https://…>` autolink and HTML).
 */
const LINK_SYNTAX = /\]\(|\]\[|\]:|[<>]/;
const WJ = '\u2060';

describe('Slack and Mattermost messages', () => {
  it('break the link syntax of hostile text invisibly, and keep the rest as it was written', () => {
    const hostile = [
      '[Click here](https://evil.example)',
      '![](https://evil.example/x.png)',
      '<https://evil.example|Kiln>',
      '<https://evil.example>',
      '[Kiln][1] and [1]: https://evil.example',
      '<img src=x onerror=alert(1)> <!channel> a & b',
    ];
    expect(hostile.map(chatText)).toEqual([
      `[Click here]${WJ}(https://evil.example)`,
      `![]${WJ}(https://evil.example/x.png)`,
      '&lt;https://evil.example|Kiln&gt;',
      '&lt;https://evil.example&gt;',
      `[Kiln]${WJ}[1]${WJ} and [1]${WJ}: https://evil.example`,
      '&lt;img src=x onerror=alert(1)&gt; &lt;!channel&gt; a &amp; b',
    ]);
    for (const text of hostile) {
      expect(chatText(text)).not.toMatch(LINK_SYNTAX);
      // Read with its entities decoded and the word joiners taken out, it is the text as written.
      expect(shown(chatText(text))).toBe(text);
    }
  });

  it('mention nobody: @channel, @all or a user a commit names does not ping in Mattermost', () => {
    const text = 'fix for @bob, cc @channel @all @here';
    expect(chatText(text)).toBe(`fix for @${WJ}bob, cc @${WJ}channel @${WJ}all @${WJ}here`);
    expect(chatText(text)).not.toMatch(/@[a-z]/);
    expect(shown(chatText(text))).toBe(text);
  });

  it('leave no link syntax in any text, and take nothing from it', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('[', ']', '(', ')', '<', '>', '|', ':', '!', '&', 'a', ' ') }),
        (text) => {
          const out = chatText(text);
          expect(out).not.toMatch(LINK_SYNTAX);
          expect(shown(out)).toBe(text);
        },
      ),
    );
  });

  it("keep Kiln's link to the build the only link, whatever the commit, branch and job name say", () => {
    const p = payload('nightly [x](https://evil.example/job)');
    p.build!.commitId = 'c0ffee00c0ffee00';
    p.build!.commitMessage =
      'Fix [Click here](https://evil.example) ![](https://evil.example/x.png)\r[a]: https://evil.example';
    p.build!.branch = 'feature/<https://evil.example|Kiln>';
    const link = 'http://kiln.test/jobs/j/builds/7';
    const text = (JSON.parse(slackBody(p, link)) as { text: string }).text;
    const [head, ...facts] = text.split('\n');
    // Kiln's own link: Slack's <url|text>, which Mattermost makes [text](url).
    expect(head).toBe(`<${link}|Build #7 of nightly [x]${WJ}(https://evil.example/job) failed>`);
    expect(head!.slice(1 + link.length + 1, -1)).not.toMatch(LINK_SYNTAX);
    for (const line of facts) expect(line).not.toMatch(LINK_SYNTAX);
    expect(facts).toContain(
      `*Commit:* c0ffee00c0ff Fix [Click here]${WJ}(https://evil.example) ![]${WJ}(https://evil.example/x.png)`,
    );
    expect(facts).toContain('*Branch:* feature/&lt;https://evil.example|Kiln&gt;');
    // A carriage return ends the commit message's first line, as a line feed does.
    expect(text).not.toContain('[a]');
  });
});

/** Text as a chat shows it: Slack's three entities decoded, the (invisible) word joiners left out. */
function shown(text: string): string {
  return text.replaceAll(WJ, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
