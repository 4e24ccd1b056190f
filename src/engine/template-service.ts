import type { Clock } from '../domain/clock.ts';
import { AppError, invalidParam } from '../domain/errors.ts';
import type { Principal } from '../domain/identity.ts';
import { newId32 } from '../domain/ids.ts';
import type { JobParameterDoc, JobStepDoc } from '../domain/job-document.ts';
import { actionOfModule } from '../domain/actions.ts';
import { withoutSensitiveDefaults } from '../domain/job-config.ts';
import { stepPropertyIssues } from '../domain/step-properties.ts';
import { OFFICIAL_TEMPLATES, officialTemplate, type OfficialTemplate } from '../domain/official-templates.ts';
import type { Storage, TemplateRecord } from '../storage/ports.ts';
import { UniqueViolationError } from '../storage/errors.ts';
import { requireJob } from './access.ts';

/** A domain's template with what its reader needs to show it. */
export interface TemplateView {
  record: TemplateRecord;
  steps: JobStepDoc[];
  parameters: JobParameterDoc[];
  favourite: boolean;
  creatorName: string;
}

/** An official template with whether the reader marked it a favourite. */
export interface OfficialView {
  template: OfficialTemplate;
  favourite: boolean;
  /** How many of the domain's jobs started from it. */
  uses: number;
}

/**
 * Build templates (issue 19): a domain's own (any user of the domain makes one; its creator and the
 * domain's administrators delete it) and Kiln's official ones (domain/official-templates.ts);
 * favourites per user; which template a job started from. A template of another domain is a 404.
 */
export class TemplateService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {}

  async create(
    caller: Principal,
    body: {
      name: string;
      description?: string | undefined;
      tool_type?: string | undefined;
      template: { steps: (Omit<JobStepDoc, 'name'> & { name?: string | undefined })[] };
      parameters?: JobParameterDoc[] | undefined;
    },
  ): Promise<TemplateView> {
    const name = body.name.trim();
    if (name === '') throw invalidParam('name must not be empty');
    if (body.template.steps.length === 0)
      throw invalidParam('template.steps: a template has at least one step');
    // Checked as a job's are: a job made from the template would be refused for them.
    const issues = body.template.steps.flatMap((s, i) =>
      stepPropertyIssues(namedStep(s), `template.steps[${i}]`),
    );
    if (issues.length > 0) throw invalidParam(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    const record: TemplateRecord = {
      uuid: newId32(),
      domainId: caller.user.domainId,
      name,
      description: body.description ?? '',
      toolType: body.tool_type ?? '',
      steps: JSON.stringify(body.template.steps.map(namedStep)),
      parameters: JSON.stringify(withoutSensitiveDefaults(body.parameters ?? [])),
      creatorId: caller.user.id,
      createdAt: this.clock.now(),
    };
    try {
      await this.storage.templates.insert(record);
    } catch (e) {
      if (e instanceof UniqueViolationError)
        throw new AppError('CONFLICT', `the domain has a template named ${name} already`);
      throw e;
    }
    return this.view(caller, record, new Set());
  }

  async show(caller: Principal, uuid: string): Promise<TemplateView> {
    const record = await this.find(caller, uuid);
    return this.view(caller, record, await this.storage.templates.favourites(caller.user.id, [uuid]));
  }

  async list(
    caller: Principal,
    page: { name?: string; offset: number; limit: number },
  ): Promise<{ items: TemplateView[]; total: number }> {
    const found = await this.storage.templates.list(caller.user.domainId, page);
    const favourites = await this.storage.templates.favourites(
      caller.user.id,
      found.items.map((t) => t.uuid),
    );
    const items: TemplateView[] = [];
    for (const record of found.items) items.push(await this.view(caller, record, favourites));
    return { items, total: found.total };
  }

  /** DeleteTemplate(s), by its creator or a domain administrator: the template as it was (DeleteTemplates answers it). */
  async delete(caller: Principal, uuid: string): Promise<TemplateView> {
    const record = await this.find(caller, uuid);
    if (record.creatorId !== caller.user.id && !caller.user.isAdmin)
      throw new AppError(
        'FORBIDDEN',
        `only its creator or a domain administrator may delete template ${record.name}`,
      );
    const view = await this.view(
      caller,
      record,
      await this.storage.templates.favourites(caller.user.id, [uuid]),
    );
    await this.storage.templates.delete(uuid);
    return view;
  }

  /** AddFavourite/RemoverFavourite of a custom (`official` false) or official template. */
  async setFavourite(caller: Principal, uuid: string, official: boolean, favourite: boolean): Promise<void> {
    if (official) {
      if (!officialTemplate(uuid)) throw new AppError('NOT_FOUND', `no official template ${uuid}`);
    } else await this.find(caller, uuid);
    await this.storage.templates.setFavourite(caller.user.id, uuid, favourite, this.clock.now());
  }

  /** ListOfficialTemplate: by name (part of it), each with the caller's favourite. */
  async official(caller: Principal, name: string | undefined): Promise<OfficialView[]> {
    const wanted = OFFICIAL_TEMPLATES.filter(
      (t) => !name || `${t.name} ${t.nickName}`.toLowerCase().includes(name.toLowerCase()),
    );
    const favourites = await this.storage.templates.favourites(
      caller.user.id,
      wanted.map((t) => t.uuid),
    );
    const uses = await this.storage.templates.useCounts(caller.user.domainId);
    return wanted.map((template) => ({
      template,
      favourite: favourites.has(template.uuid),
      uses: uses.get(template.uuid) ?? 0,
    }));
  }

  /**
   * ListRecommendOfficialTemplate: the official templates whose marks the repository's name
   * suggests first, then by how often the domain started jobs from them. Kiln does not fetch the
   * repository for this (the server runs no git against a URL a request names).
   */
  async recommend(caller: Principal, gitUrl: string): Promise<OfficialView[]> {
    const repo = (gitUrl.split(/[/:]/).pop() ?? '').replace(/\.git$/, '').toLowerCase();
    const all = await this.official(caller, undefined);
    const hinted = (v: OfficialView) =>
      repo !== '' && (repo.includes(v.template.name) || repo.includes(v.template.language)) ? 1 : 0;
    return all.sort((a, b) => hinted(b) - hinted(a) || b.uses - a.uses);
  }

  /** SaveTemplateUsedInfo: the job (which the caller may change) started from the template. */
  async recordUse(caller: Principal, jobId: string, templateId: string): Promise<void> {
    await requireJob(this.storage, caller, jobId, 'modify');
    if (
      !officialTemplate(templateId) &&
      !(await this.storage.templates.find(caller.user.domainId, templateId))
    )
      throw new AppError('NOT_FOUND', `no template ${templateId} (official or of your domain)`);
    await this.storage.templates.recordUse({
      jobId,
      templateUuid: templateId,
      domainId: caller.user.domainId,
      userId: caller.user.id,
      at: this.clock.now(),
    });
  }

  private async find(caller: Principal, uuid: string): Promise<TemplateRecord> {
    const record = await this.storage.templates.find(caller.user.domainId, uuid);
    if (!record) throw new AppError('NOT_FOUND', `no template ${uuid} in your domain`);
    return record;
  }

  private async view(
    caller: Principal,
    record: TemplateRecord,
    favourites: Set<string>,
  ): Promise<TemplateView> {
    const creator =
      record.creatorId === caller.user.id ? caller.user : await this.storage.users.findById(record.creatorId);
    return {
      record,
      steps: JSON.parse(record.steps) as JobStepDoc[],
      // Templates saved before sensitive defaults were dropped at create still hold them.
      parameters: withoutSensitiveDefaults(JSON.parse(record.parameters) as JobParameterDoc[]),
      favourite: favourites.has(record.uuid),
      creatorName: creator?.name ?? '',
    };
  }
}

/** A template's step with its name: CodeArts makes it optional; a job's step needs one. */
function namedStep(step: Omit<JobStepDoc, 'name'> & { name?: string | undefined }): JobStepDoc {
  return { ...step, name: step.name ?? actionOfModule(step.module_id)?.displayName ?? step.module_id };
}
