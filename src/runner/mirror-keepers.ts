import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keeperGitconfig, MIRROR_SCRIPT, SUBMODULES_SCRIPT } from './mirror-scripts.ts';
import type { Sandbox, SandboxBackend } from './sandbox.ts';

/** A command for a keeper: `git` with `args`, or one of the keeper's scripts. */
export interface KeeperCommand {
  script?: 'mirror.sh' | 'submodules.sh';
  args: string[];
}

const NEVER = new AbortController().signal;

/**
 * The sandboxed keepers of the runner's mirrors, one per slot (builds of two slots fetch at once):
 * each sees the mirrors directory writable and nothing of the runner's, and runs git only, with
 * fixed arguments, or the keeper's own scripts. A keeper starts on its slot's first need (or ahead
 * of it, `warm`), runs one command at a time, and one that died is replaced by the next command.
 */
export class MirrorKeepers {
  private readonly keepers = new Map<number, Promise<Sandbox>>();
  /** The last command queued for each slot's keeper. */
  private readonly turns = new Map<number, Promise<unknown>>();

  /**
   * `mirrors`: the mirrors directory; `dir`: the keepers' own (their scripts and git configuration,
   * HOME and TMPDIR), made here.
   */
  constructor(
    private readonly backend: SandboxBackend,
    private readonly mirrors: string,
    private readonly dir: string,
    httpStallSeconds: number,
  ) {
    const owner = backend.mirrorOwner();
    for (const sub of ['ctl', 'home', 'tmp'].map((d) => join(dir, d))) {
      mkdirSync(sub, { recursive: true, mode: 0o700 });
      if (owner) chownSync(sub, owner.uid, owner.gid);
    }
    writeFileSync(join(dir, 'ctl', '.gitconfig'), keeperGitconfig(httpStallSeconds), { mode: 0o644 });
    writeFileSync(join(dir, 'ctl', 'mirror.sh'), MIRROR_SCRIPT, { mode: 0o644 });
    writeFileSync(join(dir, 'ctl', 'submodules.sh'), SUBMODULES_SCRIPT, { mode: 0o644 });
  }

  /** Starts the keeper of a slot ahead of its first need. */
  warm(slot: number): Promise<unknown> {
    return this.keeper(slot);
  }

  /** Where mirror `name` is inside the slot's keeper. */
  async pathOf(slot: number, name: string): Promise<string> {
    return `${(await this.keeper(slot)).inside.workspace}/${name}`;
  }

  /**
   * Runs a command in the slot's keeper; its exit code. Aborting `signal` stops the command, or
   * skips it when its turn comes (then it answers null, as for a command killed by a signal).
   */
  run(
    slot: number,
    command: KeeperCommand,
    onOutput: (data: Buffer) => void,
    signal: AbortSignal = NEVER,
  ): Promise<number | null> {
    // A keeper runs one command at a time; the housekeeping of one mirror after a build and the
    // next build's fetch of another mirror may ask the same keeper at once.
    const turn = (this.turns.get(slot) ?? Promise.resolve()).then(() =>
      signal.aborted ? null : this.runNow(slot, command, onOutput, signal),
    );
    this.turns.set(
      slot,
      turn.catch(() => {}),
    );
    return turn;
  }

  /** Ends the keepers. */
  async close(): Promise<void> {
    const keepers = [...this.keepers.values()];
    this.keepers.clear();
    await Promise.all(keepers.map(async (k) => (await k.catch(() => undefined))?.close()));
  }

  private keeper(slot: number): Promise<Sandbox> {
    let keeper = this.keepers.get(slot);
    if (!keeper) {
      // Every slot's keeper is given the same ctl directory (the scripts and git configuration):
      // their command files there are told apart by session (SupervisedSession), not by slot.
      keeper = this.backend.openKeeper({
        mirrors: this.mirrors,
        ctl: join(this.dir, 'ctl'),
        home: join(this.dir, 'home'),
        tmp: join(this.dir, 'tmp'),
      });
      this.keepers.set(slot, keeper);
    }
    return keeper;
  }

  private async runNow(
    slot: number,
    command: KeeperCommand,
    onOutput: (data: Buffer) => void,
    signal: AbortSignal,
  ): Promise<number | null> {
    let keeper = await this.keeper(slot);
    if (!keeper.alive()) {
      // Ended by the last command's stop (its grace period ran out): a new one takes this command.
      this.keepers.delete(slot);
      keeper = await this.keeper(slot);
    }
    const inside = keeper.inside;
    try {
      const result = await keeper.exec(
        {
          file: command.script ? `${inside.ctl}/${command.script}` : 'git',
          args: command.args,
          ownScript: command.script !== undefined,
          cwd: inside.workspace,
          env: {
            PATH: '/usr/local/bin:/usr/bin:/bin',
            HOME: inside.home,
            TMPDIR: inside.tmp,
            LANG: 'C.UTF-8',
            GIT_CONFIG_GLOBAL: `${inside.ctl}/.gitconfig`,
            GIT_TERMINAL_PROMPT: '0',
            GIT_ASKPASS: '/bin/false',
          },
        },
        onOutput,
        signal,
      );
      return result.exitCode;
    } catch (error) {
      this.keepers.delete(slot);
      void keeper.close();
      throw error;
    }
  }
}
