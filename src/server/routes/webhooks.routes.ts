import type { AppErrorCode } from '../../domain/errors.ts';
import { ERROR_TABLE } from '../error-table.ts';
import { noneMatch } from '../http-conditions.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok } from './deps.ts';

/** Push webhooks and where to point a git host at them. */
export function webhookHandlers(
  deps: RouteDeps,
): HandlerGroup<
  | 'receiveWebhook'
  | 'showJobWebhook'
  | 'rotateJobWebhookSecret'
  | 'listJobWebhookDeliveries'
  | 'showJobBadge'
  | 'updateJobBadge'
  | 'showJobBadgeImage'
> {
  const { webhooks, jobs, badges } = deps.engine;
  const badgePath = (jobId: string) => `/v1/kiln/jobs/${jobId}/badge.svg`;
  /** Where the git host must send the job's pushes. */
  const hookUrl = (request: { protocol: string; host: string }, jobId: string) =>
    `${deps.publicUrl ?? `${request.protocol}://${request.host}`}/v1/kiln/webhooks/${jobId}`;
  return {
    async receiveWebhook({ params, request, reply }) {
      const outcome = await webhooks.receive(params.job_id, {
        headers: request.headers,
        body: request.rawBody ?? Buffer.alloc(0),
      });
      if ('ignored' in outcome) {
        reply.code(202);
        return { status: 'ignored', reason: outcome.ignored, build_number: 0, daily_build_number: '' };
      }
      return {
        status: 'started',
        reason: '',
        build_number: outcome.started.number,
        daily_build_number: outcome.started.dailyBuildNumber,
      };
    },
    async showJobBadge({ caller, params }) {
      return ok({ ...(await badges.show(caller, params.job_id)), path: badgePath(params.job_id) });
    },
    async updateJobBadge({ caller, params, body }) {
      return ok({
        ...(await badges.update(caller, params.job_id, body.enabled)),
        path: badgePath(params.job_id),
      });
    },
    async showJobBadgeImage({ params, query, request, reply }) {
      const { svg, etag } = await badges.image(params.job_id, query.branch);
      // Read again each time it is shown (a build may have ended), answered 304 when unchanged.
      reply.header('etag', etag).header('cache-control', 'no-cache');
      if (noneMatch(request.headers['if-none-match'], etag)) return reply.code(304).send();
      return reply.code(200).type('image/svg+xml; charset=utf-8').send(svg);
    },
    async showJobWebhook({ caller, params, request }) {
      return ok({
        url: hookUrl(request, params.job_id),
        secret: await jobs.webhookSecret(caller, params.job_id),
      });
    },
    async listJobWebhookDeliveries({ caller, params }) {
      const receipts = await webhooks.recent(caller, params.job_id);
      return ok({
        deliveries: receipts.map((r) => ({
          received_at: r.receivedAt,
          sender: r.sender,
          event: r.event,
          delivery: r.delivery,
          outcome: r.outcome,
          status:
            r.outcome === 'refused'
              ? (ERROR_TABLE[r.error as AppErrorCode]?.status ?? 500)
              : r.outcome === 'ignored'
                ? 202
                : 200,
          error_code: r.outcome === 'refused' ? (ERROR_TABLE[r.error as AppErrorCode]?.errorCode ?? '') : '',
          reason: r.reason,
          build_number: r.buildNumber,
        })),
      });
    },
    async rotateJobWebhookSecret({ caller, params, request }) {
      const secret = await jobs.rotateWebhookSecret(caller, params.job_id);
      return ok({ url: hookUrl(request, params.job_id), secret });
    },
  };
}
