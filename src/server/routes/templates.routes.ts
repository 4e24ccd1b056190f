import type { Static } from 'typebox';
import type { CreatedTemplateItem, TemplateItem } from '../../contract/templates.ts';
import { invalidParam } from '../../domain/errors.ts';
import type { Principal } from '../../domain/identity.ts';
import { formatUtcTime } from '../../domain/time.ts';
import type { OfficialView, TemplateView } from '../../engine/template-service.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok, SUCCESS } from './deps.ts';

type Item = Static<typeof TemplateItem>;
type CreatedItem = Static<typeof CreatedTemplateItem>;

const TEMPLATE_EXTRAS = { actions: null, auto_update_sub_module: false, image: '', image_source: '' };

/** A domain's template as the query operations show it. */
function customItem(caller: Principal, v: TemplateView): Item {
  return {
    favourite: v.favourite,
    nick_name: v.creatorName,
    id: v.record.uuid,
    uuid: v.record.uuid,
    template: { steps: v.steps, ...TEMPLATE_EXTRAS },
    type: 'codeci',
    public: true,
    name: v.record.name,
    create_time: formatUtcTime(v.record.createdAt),
    domain_id: v.record.domainId,
    weight: 0,
    user_id: v.record.creatorId,
    user_name: v.creatorName,
    domain_name: caller.domainName,
    scope: 'custom',
    description: v.record.description,
    tool_type: v.record.toolType,
    intl_description: {},
    parameters: v.parameters,
    i18n: {},
  };
}

/** A domain's template as CreateTemplates and DeleteTemplates show it (CreateTemplatesItems). */
function createdItem(caller: Principal, v: TemplateView): CreatedItem {
  const { nick_name: _nickName, template, ...rest } = customItem(caller, v);
  return { ...rest, template: { steps: template.steps } };
}

/** An official template in the same shape (ListRecommendOfficialTemplate answers those). */
function officialItem(v: OfficialView): Item {
  const t = v.template;
  return {
    favourite: v.favourite,
    nick_name: t.nickName,
    id: t.uuid,
    uuid: t.uuid,
    template: { steps: t.steps, ...TEMPLATE_EXTRAS },
    type: 'codeci',
    public: true,
    name: t.name,
    create_time: '',
    domain_id: '',
    weight: v.uses,
    user_id: '',
    user_name: 'Kiln',
    domain_name: '',
    scope: 'official',
    description: t.description,
    tool_type: t.toolType,
    intl_description: {},
    parameters: t.parameters,
    i18n: {},
  };
}

/**
 * `page` and `page_size` as ListTemplates and ListOfficialTemplate take them (strings of digits,
 * pages from 0; a page size of 0, which the reference allows, is the default 20, and one over 100
 * is refused as other operations refuse it).
 */
function stringPage(q: { page?: string; page_size?: string }): { offset: number; limit: number } {
  const asked = Number(q.page_size ?? '20');
  if (asked > 100) throw invalidParam("query parameter 'page_size' must be <= 100");
  const size = asked || 20;
  return { offset: Number(q.page ?? '0') * size, limit: size };
}

/** Build templates: the domain's own and Kiln's official ones. */
export function templateHandlers(
  deps: RouteDeps,
): HandlerGroup<
  | 'createTemplate'
  | 'createTemplates'
  | 'showTemplate'
  | 'listCustomTemplate'
  | 'listTemplates'
  | 'deleteTemplate'
  | 'deleteTemplates'
  | 'addFavouriteCustomTemplate'
  | 'removerFavouriteCustomTemplate'
  | 'addFavouriteOfficialTemplate'
  | 'removerFavouriteOfficialTemplate'
  | 'listOfficialTemplate'
  | 'listRecommendOfficialTemplate'
  | 'saveTemplateUsedInfo'
> {
  const { templates } = deps.engine;
  const list = async (caller: Principal, page: { name?: string; offset: number; limit: number }) => {
    const { items, total } = await templates.list(caller, page);
    return ok({ total_size: total, items: items.map((v) => customItem(caller, v)) });
  };
  return {
    async createTemplate({ caller, body }) {
      const v = await templates.create(caller, body);
      return { status: 'success', error: null, result: { uuid: v.record.uuid } };
    },
    async createTemplates({ caller, body }) {
      return ok(createdItem(caller, await templates.create(caller, body)));
    },
    async showTemplate({ caller, params }) {
      return ok(customItem(caller, await templates.show(caller, params.uuid)));
    },
    listCustomTemplate: ({ caller, query }) => {
      const size = query.page_size ?? 20;
      return list(caller, {
        ...(query.name && { name: query.name }),
        offset: ((query.page ?? 1) - 1) * size,
        limit: size,
      });
    },
    listTemplates: ({ caller, query }) =>
      list(caller, { ...(query.name && { name: query.name }), ...stringPage(query) }),
    async deleteTemplate({ caller, params }) {
      await templates.delete(caller, params.uuid);
      return SUCCESS;
    },
    async deleteTemplates({ caller, params }) {
      return ok([createdItem(caller, await templates.delete(caller, params.uuid))]);
    },
    async addFavouriteCustomTemplate({ caller, params }) {
      await templates.setFavourite(caller, params.uuid, false, true);
      return SUCCESS;
    },
    async removerFavouriteCustomTemplate({ caller, params }) {
      await templates.setFavourite(caller, params.uuid, false, false);
      return SUCCESS;
    },
    async addFavouriteOfficialTemplate({ caller, params }) {
      await templates.setFavourite(caller, params.uuid, true, true);
      return SUCCESS;
    },
    async removerFavouriteOfficialTemplate({ caller, params }) {
      await templates.setFavourite(caller, params.uuid, true, false);
      return SUCCESS;
    },
    async listOfficialTemplate({ caller, query }) {
      const all = await templates.official(caller, query.name);
      const page = stringPage(query);
      return ok({
        total_size: all.length,
        items: all.slice(page.offset, page.offset + page.limit).map((v) => ({
          language: v.template.language,
          favourite: v.favourite,
          uuid: v.template.uuid,
          type: 'codeci',
          name: v.template.name,
          weight: v.uses,
          scope: 'official',
          description: v.template.description,
          nick_name: v.template.nickName,
          public: true,
          tool_type: v.template.toolType,
          template: { steps: v.template.steps },
          parameters: v.template.parameters,
        })),
      });
    },
    async listRecommendOfficialTemplate({ caller, body }) {
      const items = (await templates.recommend(caller, body.git_url)).map(officialItem);
      return ok({ total_size: items.length, items });
    },
    async saveTemplateUsedInfo({ caller, body }) {
      await templates.recordUse(caller, body.job_id, body.template_id);
      return ok('success');
    },
  };
}
