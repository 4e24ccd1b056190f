import { toUserDto } from '../mappers/user.mapper.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok, SUCCESS } from './deps.ts';

type AdminOps =
  | 'showServerInfo'
  | 'createDomain'
  | 'listUsers'
  | 'createUser'
  | 'showCurrentUser'
  | 'changeOwnPassword'
  | 'updateUser'
  | 'setUserPassword'
  | 'createProject'
  | 'listMembers'
  | 'setMember'
  | 'removeMember';

/** Kiln's own administration: domains, users, projects, members. */
export function adminHandlers(deps: RouteDeps): HandlerGroup<AdminOps> {
  const { directory } = deps.engine;
  return {
    async showServerInfo() {
      return ok({ time_zone: deps.engine.timeZone, store: deps.engine.store });
    },
    async createDomain({ caller, body, request }) {
      const r = await directory.createDomain(
        caller,
        { name: body.name, adminName: body.admin_name, adminPassword: body.admin_password },
        request.ip,
      );
      return ok({
        domain_id: r.domain.id,
        name: r.domain.name,
        admin_user_id: r.admin.id,
        iam_project_id: r.iamProjectId,
      });
    },
    async listUsers({ caller }) {
      return ok({ users: (await directory.listUsers(caller)).map(toUserDto) });
    },
    async createUser({ caller, body, request }) {
      const user = await directory.createUser(
        caller,
        {
          name: body.name,
          password: body.password,
          ...(body.display_name !== undefined && { displayName: body.display_name }),
          ...(body.is_admin !== undefined && { isAdmin: body.is_admin }),
        },
        request.ip,
      );
      return ok(toUserDto(user));
    },
    async showCurrentUser({ caller }) {
      return ok(toUserDto(caller.user));
    },
    async changeOwnPassword({ caller, body, request }) {
      await directory.changeOwnPassword(caller, body.old_password, body.new_password, request.ip);
      return SUCCESS;
    },
    async updateUser({ caller, params, body }) {
      const user = await directory.updateUser(caller, params.user, {
        ...(body.display_name !== undefined && { displayName: body.display_name }),
        ...(body.is_admin !== undefined && { isAdmin: body.is_admin }),
        ...(body.disabled !== undefined && { disabled: body.disabled }),
      });
      return ok(toUserDto(user));
    },
    async setUserPassword({ caller, params, body, request }) {
      await directory.setPassword(caller, params.user, body.password, request.ip);
      return SUCCESS;
    },
    async createProject({ caller, body }) {
      const p = await directory.createProject(caller, {
        name: body.name,
        ...(body.description !== undefined && { description: body.description }),
      });
      return ok({
        id: p.id,
        name: p.name,
        description: p.description,
        creator_id: p.creatorId,
        created_at: p.createdAt,
      });
    },
    async listMembers({ caller, params }) {
      const members = await directory.listMembers(caller, params.project_id);
      return ok({
        members: members.map((m) => ({
          user_id: m.userId,
          user_name: m.userName,
          display_name: m.displayName,
          role: m.role,
        })),
      });
    },
    async setMember({ caller, params, body }) {
      const m = await directory.setMember(caller, params.project_id, params.user, body.role);
      return ok({
        user_id: m.userId,
        user_name: m.user.name,
        display_name: m.user.displayName,
        role: m.role,
      });
    },
    async removeMember({ caller, params }) {
      await directory.removeMember(caller, params.project_id, params.user);
      return SUCCESS;
    },
  };
}
