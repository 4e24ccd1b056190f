import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok } from './deps.ts';

/** The caller's CodeArts projects. */
export function projectHandlers(
  deps: RouteDeps,
): HandlerGroup<'showRelatedProject' | 'listRelatedProjectInfo'> {
  const { directory } = deps.engine;
  return {
    async showRelatedProject({ caller }) {
      const { items, total } = await directory.listProjects(caller, { offset: 0, limit: 1000 });
      return ok({
        total,
        project_info_list: items.map(({ project }) => ({
          identifier: project.id,
          name: project.name,
          author_id: project.creatorId,
          is_creator: project.creatorId === caller.user.id,
          author_domain_id: project.domainId,
        })),
      });
    },
    async listRelatedProjectInfo({ caller, query }) {
      const size = query.page_size ?? 10;
      const page = query.page_no ?? 1;
      const { items, total } = await directory.listProjects(caller, {
        offset: (page - 1) * size,
        limit: size,
        ...(query.search && { search: query.search }),
      });
      return ok({
        total,
        project_info_list: items.map(({ project }) => ({
          identifier: project.id,
          name: project.name,
          author_id: project.creatorId,
          status: 1,
          author_domain_id: project.domainId,
        })),
      });
    },
  };
}
