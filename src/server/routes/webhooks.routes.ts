import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok } from './deps.ts';

/** Push webhooks and where to point a git host at them. */
export function webhookHandlers(deps: RouteDeps): HandlerGroup<'receiveWebhook' | 'showJobWebhook'> {
  const { webhooks, jobs } = deps.engine;
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
    async showJobWebhook({ caller, params, request }) {
      const base = deps.publicUrl ?? `${request.protocol}://${request.host}`;
      return ok({
        url: `${base}/v1/kiln/webhooks/${params.job_id}`,
        secret: await jobs.webhookSecret(caller, params.job_id),
      });
    },
  };
}
