import type { FastifyReply } from 'fastify';
import type { UploadForm } from '../../contract/keystores.ts';
import { invalidParam } from '../../domain/errors.ts';
import { wallClockOf } from '../../domain/time.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok } from './deps.ts';

/** CodeArts' "2024-9-23 17:42" (no leading zeros on month and day), in the server's zone. */
function codeArtsTime(epochMs: number, zone: string): string {
  const w = wallClockOf(epochMs, zone);
  return `${w.year}-${w.month}-${w.day} ${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
}

/** The file manager: CodeArts' keystore operations. */
export function keystoreHandlers(
  deps: RouteDeps,
): HandlerGroup<
  | 'uploadKeystore'
  | 'listKeystoreSearch'
  | 'listKeystore'
  | 'updateKeystore'
  | 'deleteKeystore'
  | 'downloadKeystoreByName'
  | 'downloadKeystore'
  | 'addKeystorePermission'
  | 'updateKeystorePermission'
  | 'showKeystorePermission'
  | 'deleteKeystorePermission'
> {
  const { keystores, timeZone } = deps.engine;
  const send = (reply: FastifyReply, name: string, data: Buffer) =>
    reply
      .code(200)
      .type('application/octet-stream')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('cache-control', 'no-store')
      .send(data);
  return {
    async uploadKeystore({ caller, body }) {
      const form = body as unknown as UploadForm | undefined;
      if (!form?.file) throw invalidParam('the form has no file (field "file")');
      const id = await keystores.upload(
        caller,
        form.file.filename,
        form.file.data,
        form.fields.privacy ?? '',
        form.fields.description ?? '',
      );
      return ok({ keystore_id: id });
    },
    async listKeystoreSearch({ caller, query }) {
      const size = query.page_size ?? 10;
      const { items, total } = await keystores.list(caller, {
        ...(query.search && { search: query.search }),
        offset: ((query.page ?? 1) - 1) * size,
        limit: size,
      });
      return ok({
        total,
        keystore_list: items.map(({ file, rights, creatorName, updaterName }) => ({
          id: file.id,
          permission: { keystore_id: file.id, ...rights },
          create_time_stamp: String(Math.floor(file.createdAt / 1000)),
          update_time_stamp: String(Math.floor(file.updatedAt / 1000)),
          domain_id: file.domainId,
          domain_name: caller.domainName,
          keystore_name: file.name,
          create_user_id: file.creatorId,
          create_user_name: creatorName,
          update_user_id: file.updaterId,
          update_user_name: updaterName,
          share: file.share,
          create_time: codeArtsTime(file.createdAt, timeZone),
          update_time: codeArtsTime(file.updatedAt, timeZone),
          description: file.description,
          size: file.size,
          sha256: file.sha256,
        })),
      });
    },
    async listKeystore({ caller }) {
      const files = await keystores.usable(caller);
      return { result: files.map((f) => ({ id: f.id, keystore_name: f.name })), status: 'success' };
    },
    async updateKeystore({ caller, params, body }) {
      if (body.id !== params.id)
        throw invalidParam(`id in the body (${body.id}) is not the file of the path`);
      await keystores.update(caller, params.id, {
        name: body.keystore_name,
        description: body.description,
        share: body.share,
      });
      return { error: null, status: 'success' };
    },
    async deleteKeystore({ caller, params }) {
      await keystores.delete(caller, params.keystore_id);
      return ok(null);
    },
    async downloadKeystoreByName({ caller, query, reply }) {
      const { file, data } = await keystores.download(caller, query.domain_id, {
        id: query.id,
        name: query.name,
      });
      return send(reply, file.name, data);
    },
    async downloadKeystore({ caller, query, reply }) {
      const { file, data } = await keystores.download(caller, query.domain_id, { name: query.file_name });
      return send(reply, file.name, data);
    },
    async addKeystorePermission({ caller, body }) {
      const id = await keystores.grant(
        caller,
        body.keystore_id,
        { id: body.user_id, name: body.user_name },
        {
          setting: body.setting,
          delete: body.delete,
          modify: body.modify,
          usage: body.usage,
          canAbsent: body.can_absent,
        },
      );
      return ok(id);
    },
    async updateKeystorePermission({ caller, body }) {
      await keystores.changeGrant(caller, body.id, body.keystore_id, {
        delete: body.delete,
        modify: body.modify,
        usage: body.usage,
        canAbsent: body.can_absent,
      });
      return ok('');
    },
    async showKeystorePermission({ caller, params, query }) {
      const size = query.page_size ?? 0;
      const page = Number(query.page ?? '1');
      const { items, total } = await keystores.permissions(caller, params.keystore_id, {
        offset: size === 0 ? 0 : (page - 1) * size,
        limit: size,
      });
      return ok({
        total,
        permission_list: items.map((p) => ({
          id: p.id,
          keystore_id: p.keystoreId,
          user_name: p.userName,
          is_creator: p.isCreator,
          can_absent: p.canAbsent,
          setting: p.setting,
          delete: p.delete,
          modify: p.modify,
          usage: p.usage,
        })),
      });
    },
    async deleteKeystorePermission({ caller, params }) {
      await keystores.revoke(caller, params.permission_id);
      return ok('');
    },
  };
}
