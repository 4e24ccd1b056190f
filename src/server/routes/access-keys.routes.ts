import type { AccessKeyDto } from '../../contract/admin.ts';
import type { AccessKeyRecord } from '../../engine/access-key-service.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok, SUCCESS } from './deps.ts';

function toAccessKeyDto(k: AccessKeyRecord): AccessKeyDto {
  return {
    ak: k.ak,
    user_id: k.userId,
    description: k.description,
    status: k.status,
    created_at: k.createdAt,
    last_used_at: k.lastUsedAt ?? 0,
  };
}

/** Access keys (AK/SK) for SDK clients. */
export function accessKeyHandlers(
  deps: RouteDeps,
): HandlerGroup<'createAccessKey' | 'listAccessKeys' | 'updateAccessKey' | 'deleteAccessKey'> {
  const { accessKeys, directory } = deps.engine;
  return {
    async createAccessKey({ caller, body }) {
      const owner = body.user ? await directory.findUser(caller, body.user) : caller.user;
      const { key, secret } = await accessKeys.create(caller, owner, body.description ?? '');
      return ok({ key: toAccessKeyDto(key), sk: secret });
    },
    async listAccessKeys({ caller, query }) {
      const owner = query.user ? await directory.findUser(caller, query.user) : caller.user;
      return ok({ keys: (await accessKeys.list(caller, owner)).map(toAccessKeyDto) });
    },
    async updateAccessKey({ caller, params, body }) {
      return ok(toAccessKeyDto(await accessKeys.setStatus(caller, params.ak, body.status)));
    },
    async deleteAccessKey({ caller, params }) {
      await accessKeys.remove(caller, params.ak);
      return SUCCESS;
    },
  };
}
