import { describe, expect, it } from 'vitest';
import type { StepSpec } from '../../src/domain/job-config.ts';
import { stepWork, type JobCheckout } from '../../src/runner/step-work.ts';

/** What a build.yml `checkout` action of the job's own repository (no path) does. */

const JOB: JobCheckout = {
  url: 'https://git.example.com/team/app.git',
  ref: 'main',
  commit: 'c0ffee1234567890c0ffee1234567890c0ffee12',
  lfs: false,
  submodules: false,
};

const checkout = (inputs: Record<string, unknown>): StepSpec => ({
  name: 'code',
  moduleId: 'checkout',
  action: 'checkout',
  enabled: true,
  command: '',
  inputs,
});

const work = (inputs: Record<string, unknown>, job: JobCheckout = JOB) =>
  stepWork(checkout(inputs), job, 'r1');

describe("a checkout of the job's repository into the workspace", () => {
  it('reports what the build checked out when it asks for the same, or for nothing in particular', () => {
    const same = { ok: true, message: `step "code": the job's repository is checked out in the workspace` };
    expect(work({})).toEqual(same);
    expect(work({ url: JOB.url, branch: 'main' })).toEqual(same);
    expect(work({ commit: 'C0FFEE12' })).toEqual(same);
    // The commit wins over a tag and a branch, as the action reads them.
    expect(work({ commit: JOB.commit, tag: 'v9', branch: 'other' })).toEqual(same);
    expect(work({ tag: 'v1.0' }, { ...JOB, ref: 'v1.0' })).toEqual(same);
    expect(work({ lfs: 'true', submodule: 'true' }, { ...JOB, lfs: true, submodules: true })).toEqual(same);
  });

  it("knows the job's repository by any URL of it: SSH clone URL (as CodeArts' examples), ssh://, no .git, a slash", () => {
    const same = { ok: true, message: `step "code": the job's repository is checked out in the workspace` };
    for (const url of [
      'git@git.example.com:team/app.git',
      'ssh://git@GIT.example.com/team/app',
      'https://git.example.com/team/app/',
      'https://user:token@git.example.com/team/app.git',
    ])
      expect(work({ url }), url).toEqual(same);
    const local = { ...JOB, url: 'file:///srv/git/app' };
    expect(work({ url: '/srv/git/app.git/' }, local)).toEqual(same);
    expect(work({ url: 'file://localhost/srv/git/app' }, local)).toEqual(same);
    expect(work({ url: 'file://otherhost/srv/git/app' }, local)).toMatchObject({ ok: false });
    // A malformed escape is compared as written, not thrown.
    expect(work({ url: 'file:///srv/git/100%' }, local)).toMatchObject({ ok: false });
    // Another repository (another host, group or name, another SSH user's, an absolute path
    // against a home-relative one, another host's file://) needs a path.
    for (const url of [
      'git@git.example.com:team/app2.git',
      'https://other.example.com/team/app.git',
      'alice@git.example.com:team/app.git',
      'ssh://bob@git.example.com/team/app',
      'git@git.example.com:/team/app.git',
    ])
      expect(work({ url }), url).toMatchObject({
        ok: false,
        message: expect.stringContaining('needs a path'),
      });
  });

  it('builds the branch chosen at run time over the branch it names (spec §3.3), saying which won', () => {
    expect(work({ branch: 'dev' })).toEqual({
      ok: true,
      message: `step "code": the job's repository is checked out in the workspace; it asks for branch dev, and the build's branch main, chosen at run time, wins`,
    });
  });

  it('fails, saying why, when it asks for another commit or tag', () => {
    expect(work({ commit: 'deadbeef' })).toEqual({
      ok: false,
      message:
        'step "code": commit deadbeef: the workspace holds the job\'s repository at c0ffee123456 (main); build the job with it (RunJob scm), or check it out into a path',
    });
    expect(work({ tag: 'v2' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^step "code": tag v2: /),
    });
  });

  it('fails when it asks for LFS files or submodules the job does not fetch, naming the setting', () => {
    expect(work({ lfs: 'true' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('enable_git_lfs'),
    });
    expect(work({ submodule: 'true' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('auto_update_sub_module'),
    });
    // In any case, as ignore_fail; anything but true or false is refused, not read as false.
    expect(work({ submodule: 'True' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('auto_update_sub_module'),
    });
    expect(work({ lfs: 'FALSE' })).toMatchObject({ ok: true });
    // A graphical step's JSON gives booleans: true asks for them as "true" does.
    expect(work({ lfs: true })).toMatchObject({
      ok: false,
      message: expect.stringContaining('enable_git_lfs'),
    });
    expect(work({ submodule: false })).toMatchObject({ ok: true });
    expect(work({ submodule: 'maybe' })).toEqual({
      ok: false,
      message: 'step "code": submodule is "maybe": write true or false',
    });
    expect(work({ url: 'https://other.example.com/x.git', path: 'x', lfs: 'yes' })).toEqual({
      ok: false,
      message: 'step "code": lfs is "yes": write true or false',
    });
  });
});
