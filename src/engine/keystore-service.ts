import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Clock } from '../domain/clock.ts';
import { AppError, invalidParam } from '../domain/errors.ts';
import type { Principal } from '../domain/identity.ts';
import { newId32 } from '../domain/ids.ts';
import {
  keystoreNameProblem,
  keystoreRights,
  MAX_KEYSTORE_DESCRIPTION,
  type Keystore,
  type KeystorePermission,
  type KeystoreRights,
} from '../domain/keystore.ts';
import type { BuildRun, JobRecord, Storage } from '../storage/ports.ts';
import { isForeignKeyViolation, UniqueViolationError } from '../storage/errors.ts';
import type { SecretBox } from './secret-box.ts';
import { buildUsers } from './build-users.ts';
import { heldRun } from './held-run.ts';
import { ArtifactRefusedError, type ArtifactDownload } from '../protocol/runner-protocol.ts';

/** A file with what the caller may do with it. */
export interface KeystoreView {
  file: Keystore;
  rights: KeystoreRights;
  creatorName: string;
  updaterName: string;
}

/** A permission row as ShowKeystorePermission lists it (the creator's first). */
export interface PermissionView extends KeystorePermission {
  userName: string;
  isCreator: boolean;
}

/**
 * The file manager (issue 19): files a domain keeps for its builds, sealed at rest with the
 * server's key. Each file has a creator (every right), rights given to users, and may be shared
 * (every user of the domain may use it); domain administrators have every right. Every read of a
 * file's bytes, by a person or a build, is recorded. A file of another domain is a 404, as one that
 * does not exist.
 */
export class KeystoreService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly secrets: SecretBox,
    /** The largest file kept (KILN_FILE_MAX_BYTES). */
    readonly maxBytes: number,
  ) {}

  /**
   * UploadKeystore: a new file, or new bytes for the file of that name when the caller may modify
   * it (its rights and sharing stay). `privacy` "public" shares it with the domain.
   */
  async upload(
    caller: Principal,
    name: string,
    bytes: Uint8Array,
    privacy: string,
    description: string,
  ): Promise<string> {
    const problem = keystoreNameProblem(name);
    if (problem) throw invalidParam(problem);
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (data.length === 0)
      throw new AppError('EMPTY_FILE', `${name} is empty: a file must have at least one byte`);
    if (data.length > this.maxBytes)
      throw new AppError(
        'PAYLOAD_TOO_LARGE',
        `a file may have at most ${this.maxBytes} bytes; ${name} has ${data.length}`,
      );
    // As UpdateKeystore takes it (its schema counts code points): a file described at upload must
    // be describable the same way later.
    const characters = [...description].length;
    if (characters > MAX_KEYSTORE_DESCRIPTION)
      throw invalidParam(
        `description must be at most ${MAX_KEYSTORE_DESCRIPTION} characters (it has ${characters})`,
      );
    if (!['public', 'private'].includes(privacy))
      throw invalidParam(
        `privacy must be "public" (every user of the domain may use the file) or "private" (got "${privacy}")`,
      );
    const now = this.clock.now();
    const content = { sealed: this.secrets.sealBinary(data), size: data.length, sha256: sha256(data) };
    const existing = await this.storage.keystores.findByName(caller.user.domainId, name);
    if (existing) {
      await this.require(caller, existing, 'modify');
      await this.storage.keystores.update(
        existing.id,
        { name, description: description || existing.description, share: existing.share },
        content,
        caller.user.id,
        now,
      );
      return existing.id;
    }
    const file: Keystore = {
      id: newId32(),
      domainId: caller.user.domainId,
      name,
      description,
      share: privacy === 'public' ? 1 : 0,
      size: content.size,
      sha256: content.sha256,
      creatorId: caller.user.id,
      createdAt: now,
      updaterId: caller.user.id,
      updatedAt: now,
    };
    try {
      await this.storage.keystores.insert(file, content.sealed);
    } catch (e) {
      if (e instanceof UniqueViolationError)
        throw new AppError(
          'CONFLICT',
          `a file named ${name} was uploaded meanwhile; upload again to replace it`,
        );
      throw e;
    }
    return file.id;
  }

  /** ListKeystoreSearch: the domain's files by name, each with the caller's rights. */
  async list(
    caller: Principal,
    page: { search?: string; offset: number; limit: number },
  ): Promise<{ items: KeystoreView[]; total: number }> {
    const found = await this.storage.keystores.list(caller.user.domainId, caller.user.id, page);
    const names = new Map<string, string>();
    const nameOf = async (id: string) => {
      if (!names.has(id)) names.set(id, (await this.storage.users.findById(id))?.name ?? '');
      return names.get(id) ?? '';
    };
    const items: KeystoreView[] = [];
    for (const { file, granted } of found.items)
      items.push({
        file,
        rights: keystoreRights(file, caller.user, granted),
        creatorName: await nameOf(file.creatorId),
        updaterName: await nameOf(file.updaterId),
      });
    return { items, total: found.total };
  }

  /** ListKeystore: the files the caller may use. */
  async usable(caller: Principal): Promise<Keystore[]> {
    const all = await this.list(caller, { offset: 0, limit: 1000 });
    return all.items.filter((v) => v.rights.usage).map((v) => v.file);
  }

  /**
   * UpdateKeystore: name, description, sharing (needs modify). Sharing gives every user of the
   * domain `usage`, the caller included: only one who may already use the file may share it, as
   * only rights one has may be given (requireToGive).
   */
  async update(
    caller: Principal,
    id: string,
    changes: { name: string; description: string; share: number },
  ): Promise<void> {
    const file = await this.find(caller, id);
    const own = await this.rightsOf(caller, file);
    if (!own.modify) throw forbidden('modify', file);
    if (changes.share === 1 && !own.usage)
      throw new AppError(
        'FORBIDDEN',
        `you may not use file ${file.name}, and sharing it gives every user of the domain its use`,
      );
    const problem = keystoreNameProblem(changes.name);
    if (problem) throw invalidParam(problem);
    try {
      await this.storage.keystores.update(id, changes, undefined, caller.user.id, this.clock.now());
    } catch (e) {
      if (e instanceof UniqueViolationError)
        throw new AppError('CONFLICT', `the domain has another file named ${changes.name}`);
      throw e;
    }
  }

  async delete(caller: Principal, id: string): Promise<void> {
    const file = await this.find(caller, id);
    await this.require(caller, file, 'delete');
    await this.storage.keystores.delete(id);
  }

  /** A file's bytes for a person (DownloadKeystoreByName, DownloadKeystore): needs usage; recorded. */
  async download(
    caller: Principal,
    domainId: string,
    by: { id?: string; name: string },
  ): Promise<{ file: Keystore; data: Buffer }> {
    if (domainId !== caller.user.domainId) throw notFound();
    const file = by.id
      ? await this.storage.keystores.find(domainId, by.id)
      : await this.storage.keystores.findByName(domainId, by.name);
    if (!file || file.name !== by.name) throw notFound();
    await this.require(caller, file, 'usage');
    return { file, data: await this.read(file, caller.user.id, 'download', null) };
  }

  /**
   * The bytes of the file a build's download_file step names, when every user the build acts for
   * (build-users.ts: the job's creator, its last saver, the build's starter) may use it; recorded
   * against the build.
   */
  async forBuild(
    domainId: string,
    name: string,
    job: JobRecord,
    run: BuildRun,
  ): Promise<{ file: Keystore; data: Buffer }> {
    const file = await this.storage.keystores.findByName(domainId, name);
    if (!file) throw new AppError('NOT_FOUND', `the file manager has no file named ${name}`);
    for (const { who, id, user } of await buildUsers(this.storage, job, run)) {
      const rights = user && keystoreRights(file, user, await this.storage.keystores.granted(file.id, id));
      if (!user || user.disabled || !rights?.usage)
        throw new AppError(
          'FORBIDDEN',
          `${who} (${user?.name ?? 'a removed user'}) may not use file ${name}`,
        );
    }
    return { file, data: await this.read(file, run.build.userId, 'build', run.build.recordId) };
  }

  /**
   * The runner's download_file: the file for the build `runnerId` holds, when every user the build
   * acts for may use it (a refusal names who may not).
   */
  async fetchForBuild(runnerId: string, recordId: string, name: string): Promise<ArtifactDownload> {
    const run = await heldRun(this.storage, runnerId, recordId);
    const job = await this.storage.jobs.findById(run.build.jobId);
    const project = job && (await this.storage.projects.findById(job.projectId));
    if (!job || !project) throw new ArtifactRefusedError('the build’s job is gone');
    try {
      const { file, data } = await this.forBuild(project.domainId, name, job, run);
      return { name: file.name, size: data.length, sha256: file.sha256, body: Readable.from([data]) };
    } catch (e) {
      if (e instanceof AppError) throw new ArtifactRefusedError(e.message);
      throw e;
    }
  }

  /** ShowKeystorePermission: the creator's row, then the rights given, paged. */
  async permissions(
    caller: Principal,
    id: string,
    page: { offset: number; limit: number },
  ): Promise<{ items: PermissionView[]; total: number }> {
    const file = await this.find(caller, id);
    const creator = await this.storage.users.findById(file.creatorId);
    const rows: PermissionView[] = [
      {
        id: `${file.id}-creator`,
        keystoreId: file.id,
        userId: file.creatorId,
        userName: creator?.name ?? '',
        isCreator: true,
        canAbsent: false,
        createdAt: file.createdAt,
        setting: true,
        delete: true,
        modify: true,
        usage: true,
      },
    ];
    for (const p of await this.storage.keystores.permissions(id))
      rows.push({
        ...p,
        userName: (await this.storage.users.findById(p.userId))?.name ?? '',
        isCreator: false,
      });
    const limit = page.limit === 0 ? rows.length : page.limit;
    return { items: rows.slice(page.offset, page.offset + limit), total: rows.length };
  }

  /** AddKeystorePermission (needs setting): gives a user of the domain rights; returns the row's id. */
  async grant(
    caller: Principal,
    keystoreId: string,
    user: { id: string; name: string },
    rights: KeystoreRights & { canAbsent: boolean },
  ): Promise<string> {
    const file = await this.find(caller, keystoreId);
    await this.requireToGive(caller, file, rights);
    const target =
      (await this.storage.users.findById(user.id)) ??
      (await this.storage.users.findCredentialsByName(caller.user.domainId, user.name))?.user;
    if (!target || target.domainId !== caller.user.domainId)
      throw invalidParam(`user ${user.name || user.id} is not a user of your domain`);
    if (target.id === file.creatorId)
      throw invalidParam(`${target.name} created the file and has every right to it`);
    // A user who has rights keeps their row (its id and created_at): the upsert answers that id.
    try {
      return await this.storage.keystores.putPermission({
        id: newId32(),
        keystoreId,
        userId: target.id,
        createdAt: this.clock.now(),
        setting: rights.setting,
        delete: rights.delete,
        modify: rights.modify,
        usage: rights.usage,
        canAbsent: rights.canAbsent,
      });
    } catch (e) {
      if (!isForeignKeyViolation(e)) throw e;
      // The file (or the user) was deleted while the rights were given: say which is gone.
      await this.find(caller, keystoreId);
      throw invalidParam(`user ${target.name} is not a user of your domain`);
    }
  }

  /** UpdateKeystorePermission (needs setting): the row's rights (its setting right stays). */
  async changeGrant(
    caller: Principal,
    permissionId: string,
    keystoreId: string,
    rights: Omit<KeystoreRights, 'setting'> & { canAbsent?: boolean | undefined },
  ): Promise<void> {
    const file = await this.find(caller, keystoreId);
    await this.requireToGive(caller, file, rights);
    const row = await this.storage.keystores.permission(permissionId);
    const gone = () => new AppError('NOT_FOUND', `file ${file.name} has no permission ${permissionId}`);
    if (!row || row.keystoreId !== keystoreId) throw gone();
    // An update of the row read, never an upsert: rights DeleteKeystorePermission took away
    // meanwhile (on another server) stay away, and the change is a 404.
    const changed = await this.storage.keystores.updatePermission(permissionId, {
      delete: rights.delete,
      modify: rights.modify,
      usage: rights.usage,
      canAbsent: rights.canAbsent ?? row.canAbsent,
    });
    if (!changed) throw gone();
  }

  /** DeleteKeystorePermission (needs setting on its file). */
  async revoke(caller: Principal, permissionId: string): Promise<void> {
    const row = await this.storage.keystores.permission(permissionId);
    if (!row) throw new AppError('NOT_FOUND', `no permission ${permissionId}`);
    const file = await this.find(caller, row.keystoreId);
    await this.require(caller, file, 'setting');
    await this.storage.keystores.deletePermission(permissionId);
  }

  private async find(caller: Principal, id: string): Promise<Keystore> {
    const file = await this.storage.keystores.find(caller.user.domainId, id);
    if (!file) throw notFound();
    return file;
  }

  /**
   * The setting right, and every right given: `setting` alone would otherwise be every right (one
   * who may only give rights would give themselves `usage` and take the file).
   */
  private async requireToGive(
    caller: Principal,
    file: Keystore,
    given: Partial<KeystoreRights>,
  ): Promise<void> {
    const own = await this.rightsOf(caller, file);
    if (!own.setting) throw forbidden('setting', file);
    for (const right of ['usage', 'modify', 'delete'] as const)
      if (given[right] && !own[right])
        throw new AppError(
          'FORBIDDEN',
          `you may give only rights you have, and you may not ${RIGHT_WORDS[right]} file ${file.name}`,
        );
  }

  private async require(caller: Principal, file: Keystore, right: keyof KeystoreRights): Promise<void> {
    if (!(await this.rightsOf(caller, file))[right]) throw forbidden(right, file);
  }

  private async rightsOf(caller: Principal, file: Keystore): Promise<KeystoreRights> {
    return keystoreRights(file, caller.user, await this.storage.keystores.granted(file.id, caller.user.id));
  }

  private async read(file: Keystore, userId: string, how: string, recordId: string | null): Promise<Buffer> {
    const sealed = await this.storage.keystores.content(file.id);
    if (!sealed) throw notFound();
    const data = this.secrets.openBinary(sealed);
    await this.storage.keystores.recordAccess({
      keystoreId: file.id,
      at: this.clock.now(),
      userId,
      how,
      recordId,
    });
    return data;
  }
}

const RIGHT_WORDS: Record<keyof KeystoreRights, string> = {
  setting: 'change the permissions of',
  delete: 'delete',
  modify: 'change',
  usage: 'use',
};

function notFound(): AppError {
  return new AppError('NOT_FOUND', 'no such file in your domain');
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function forbidden(right: keyof KeystoreRights, file: Keystore): AppError {
  return new AppError('FORBIDDEN', `you may not ${RIGHT_WORDS[right]} file ${file.name}`);
}
