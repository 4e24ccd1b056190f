import { Type, type Static } from 'typebox';
import { Envelope, WireInt } from './common.ts';

/** ShowRelatedProject: the caller's CodeArts projects. */
export const RelatedProjects = Envelope(
  Type.Object({
    total: Type.Number(),
    project_info_list: Type.Array(
      Type.Object({
        identifier: Type.String({ description: 'The 32-char CodeArts project id' }),
        name: Type.String(),
        author_id: Type.String(),
        is_creator: Type.Boolean(),
        author_domain_id: Type.String(),
      }),
    ),
  }),
);
export type RelatedProjects = Static<typeof RelatedProjects>;

/** ListRelatedProjectInfo query (page_no is 1-based). */
export const RelatedProjectsPageQuery = Type.Object({
  page_size: Type.Optional(WireInt({ minimum: 1, maximum: 100, default: 10 })),
  page_no: Type.Optional(WireInt({ minimum: 1, maximum: 2147483647, default: 1 })),
  search: Type.Optional(Type.String({ maxLength: 256 })),
});

/** ListRelatedProjectInfo response. */
export const RelatedProjectsPage = Envelope(
  Type.Object({
    total: Type.Number(),
    project_info_list: Type.Array(
      Type.Object({
        identifier: Type.String(),
        name: Type.String(),
        author_id: Type.String(),
        status: Type.Integer(),
        author_domain_id: Type.String(),
      }),
    ),
  }),
);
export type RelatedProjectsPage = Static<typeof RelatedProjectsPage>;
