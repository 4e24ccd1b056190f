import { Type } from 'typebox';
import { JobParameter, JobStep } from '../domain/job-document.ts';
import { MAX_STEPS } from '../domain/step-spec.ts';
import { Envelope, JobId, WireInt } from './common.ts';

/** Build templates (A.8, and the v3 twins of A.1): the domain's own and Kiln's official ones. */

const TemplateSteps = Type.Array(JobStep, { maxItems: MAX_STEPS });
const TemplateParameters = Type.Array(JobParameter, { maxItems: 100 });

/** A template's step as given: its name is optional (the stage's name of its action then). */
const TemplateStepInput = Type.Object({
  ...JobStep.properties,
  name: Type.Optional(JobStep.properties.name),
});

/** CreateTemplate / CreateTemplates body. */
export const CreateTemplateBody = Type.Object({
  template: Type.Object({ steps: Type.Array(TemplateStepInput, { maxItems: MAX_STEPS }) }),
  name: Type.String({ minLength: 1, maxLength: 128 }),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  tool_type: Type.Optional(Type.String({ maxLength: 64 })),
  parameters: Type.Optional(TemplateParameters),
});

/** A template as the query operations show it (QueryTemplatesItems). */
export const TemplateItem = Type.Object({
  favourite: Type.Boolean(),
  nick_name: Type.String(),
  id: Type.String(),
  uuid: Type.String(),
  template: Type.Object({
    steps: TemplateSteps,
    actions: Type.Null(),
    auto_update_sub_module: Type.Boolean(),
    image: Type.String(),
    image_source: Type.String(),
  }),
  type: Type.String({ description: 'codeci' }),
  public: Type.Boolean(),
  name: Type.String(),
  create_time: Type.String({ description: 'ISO 8601' }),
  domain_id: Type.String(),
  weight: Type.Number(),
  user_id: Type.String(),
  user_name: Type.String(),
  domain_name: Type.String(),
  scope: Type.String({ description: 'custom or official' }),
  description: Type.String(),
  tool_type: Type.String(),
  intl_description: Type.Object({}),
  parameters: TemplateParameters,
  i18n: Type.Object({}),
});

/**
 * A template as CreateTemplates and DeleteTemplates show it (the reference's CreateTemplatesItems):
 * the query operations' item without `nick_name`, its `template` the steps alone (QueryTemplate).
 */
const { nick_name: _nickName, template: _template, ...createdItemFields } = TemplateItem.properties;
export const CreatedTemplateItem = Type.Object({
  ...createdItemFields,
  template: Type.Object({ steps: TemplateSteps }),
});

export const CreatedTemplate = Type.Object({
  status: Type.String(),
  error: Type.Null(),
  result: Type.Object({ uuid: Type.String() }),
});
export const TemplateResult = Envelope(TemplateItem);
export const CreatedTemplateResult = Envelope(CreatedTemplateItem);
export const TemplateList = Envelope(
  Type.Object({ total_size: Type.Integer(), items: Type.Array(TemplateItem) }),
);

/** An official template as ListOfficialTemplate shows it (TemplateList). */
export const OfficialTemplateList = Envelope(
  Type.Object({
    total_size: Type.Number(),
    items: Type.Array(
      Type.Object({
        language: Type.String(),
        favourite: Type.Boolean(),
        uuid: Type.String(),
        type: Type.String(),
        name: Type.String(),
        weight: Type.Number(),
        scope: Type.String(),
        description: Type.String(),
        nick_name: Type.String(),
        public: Type.Boolean(),
        tool_type: Type.String(),
        template: Type.Object({ steps: TemplateSteps }),
        parameters: TemplateParameters,
      }),
    ),
  }),
);

export const TemplateUuidParams = Type.Object({
  uuid: Type.String({ pattern: '^[a-z0-9A-Z-]{1,64}$', description: 'The template' }),
});

export const CustomTemplateQuery = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 128 })),
  filter: Type.Optional(Type.String({ maxLength: 128, description: 'Accepted and ignored' })),
  page: Type.Optional(WireInt({ minimum: 1, maximum: 1_000_000, default: 1 })),
  page_size: Type.Optional(WireInt({ minimum: 1, maximum: 100, default: 20 })),
  tags: Type.Optional(Type.String({ maxLength: 128, description: 'Accepted and ignored' })),
});

/** ListTemplates and ListOfficialTemplate page as strings, from 0. */
export const StringPageQuery = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 128 })),
  page: Type.Optional(Type.String({ pattern: '^[0-9]{1,7}$', default: '0' })),
  page_size: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', default: '20' })),
});

export const RecommendBody = Type.Object({
  git_url: Type.String({ maxLength: 2048 }),
  branch: Type.String({ maxLength: 255 }),
  tags: Type.Optional(Type.String({ maxLength: 128 })),
});

export const UsedInfoBody = Type.Object({
  job_id: JobId('The job started from the template'),
  template_id: Type.String({ pattern: '^[a-z0-9A-Z-]{1,64}$' }),
});
export const UsedInfoResult = Envelope(Type.String());
export const StatusResult = Type.Object({ status: Type.String() });
/** DeleteTemplates: the template deleted, as the reference's `array<CreateTemplatesItems>`. */
export const DeletedTemplate = Envelope(Type.Array(CreatedTemplateItem));
