import { describe, expect, it } from 'vitest';
import { newStep, type Build } from '../../src/domain/build.ts';
import { buildStages } from '../../src/domain/build-stages.ts';
import { parseBuildYaml } from '../../src/domain/build-yaml.ts';
import { renderBuildYaml, shellTemplate } from '../../src/domain/build-yaml-render.ts';
import { sampleBuild } from '../storage/contract/store-contract.ts';

describe('renderBuildYaml', () => {
  it('writes enabled steps as BUILD actions that parseBuildYaml reads back', () => {
    const text = renderBuildYaml([
      {
        name: 'compile',
        moduleId: 'devcloud2018.codeci_action_20043.action',
        enabled: true,
        command: 'mvn -B package',
        action: 'maven',
        image: 'cloudbuild@maven3.5.3-jdk8-open',
        inputs: { settings: { mirror: 'x' } },
        ignoreFail: true,
      },
      { name: 'off', moduleId: 'kiln.shell', enabled: false, command: 'echo off' },
      {
        name: 'old plan',
        moduleId: 'kiln.shell',
        enabled: true,
        command: 'echo "quoted: yes" # not a comment',
      },
      {
        name: 'fetch',
        moduleId: 'devcloud2018.codeci_action_20040.action',
        enabled: true,
        command: '',
        action: 'checkout',
      },
    ]);
    const actions = parseBuildYaml(text, 'rendered').actions;
    expect(actions.map((a) => [a.stage, a.keyword, a.name, a.image, a.inputs])).toEqual([
      [
        'BUILD',
        'maven',
        'compile',
        'cloudbuild@maven3.5.3-jdk8-open',
        { command: 'mvn -B package', settings: { mirror: 'x' }, ignore_fail: 'true' },
      ],
      ['BUILD', 'sh', 'old plan', undefined, { command: 'echo "quoted: yes" # not a comment' }],
      ['BUILD', 'checkout', 'fetch', undefined, {}],
    ]);
  });

  it('keeps the module id of a module Kiln does not know; the shell template is one sh step', () => {
    expect(
      renderBuildYaml([{ name: 'x', moduleId: 'vendor.custom', enabled: true, command: 'run', action: '' }]),
    ).toContain('vendor.custom:');
    expect(parseBuildYaml(shellTemplate(), 't').actions.map((a) => [a.keyword, a.inputs.command])).toEqual([
      ['sh', 'echo hello'],
    ]);
  });
});

describe('buildStages', () => {
  const steps = [newStep({ name: 'a', moduleId: 'sh' }, 0), newStep({ name: 'b', moduleId: 'sh' }, 1)];

  it('a queued build: initial QUEUED and growing, every step INIT, final INIT without a log', () => {
    const queued: Build = {
      ...sampleBuild('job', 1, 500),
      runningStatus: 'Starting',
      state: '',
      runStartedAt: null,
      finishedAt: null,
    };
    const stages = buildStages(queued, steps, 0);
    expect(stages.map((s) => [s.key, s.status, s.logStatus])).toEqual([
      ['initial', 'QUEUED', 'running'],
      ['stage1', 'INIT', 'none'],
      ['stage2', 'INIT', 'none'],
      ['final', 'INIT', 'none'],
    ]);
  });

  it('a finished build: each stage owns its byte range, final the lines after the steps', () => {
    const done: Build = {
      ...sampleBuild('job', 1, 500),
      runningStatus: 'Finished',
      state: 'FAILURE',
      runStartedAt: 1000,
      finishedAt: 5000,
    };
    const ran = [
      {
        ...steps[0]!,
        status: 'success' as const,
        startedAt: 2000,
        finishedAt: 3000,
        logStart: 10,
        logEnd: 20,
      },
      { ...steps[1]!, status: 'error' as const, startedAt: 3000, finishedAt: 4000, logStart: 20, logEnd: 30 },
    ];
    const stages = buildStages(done, ran, 40);
    expect(stages.map((s) => [s.key, s.status, s.log])).toEqual([
      ['initial', 'SUCCESS', { start: 0, end: 10 }],
      ['stage1', 'SUCCESS', { start: 10, end: 20 }],
      ['stage2', 'FAILURE', { start: 20, end: 30 }],
      ['final', 'SUCCESS', { start: 30, end: 40 }],
    ]);
    expect(stages[3]).toMatchObject({ startedAt: 4000, finishedAt: 5000, sequence: 3 });
  });

  it('final shows the outcome only when no earlier stage does', () => {
    const failed: Build = {
      ...sampleBuild('job', 1, 500),
      runningStatus: 'Finished',
      state: 'FAILURE',
      runStartedAt: 1000,
      finishedAt: 5000,
    };
    // The checkout failed: no step ran, so Finalize carries the failure.
    expect(buildStages(failed, steps, 40).map((s) => s.status)).toEqual([
      'SUCCESS',
      'SKIPPED',
      'SKIPPED',
      'FAILURE',
    ]);
    // Stopped in the queue: Initialize shows it, Finalize never ran.
    const stopped: Build = { ...failed, state: 'ABORTED', runStartedAt: null };
    expect(buildStages(stopped, steps, 0).map((s) => s.status)).toEqual([
      'ABORTED',
      'SKIPPED',
      'SKIPPED',
      'SKIPPED',
    ]);
  });
});
