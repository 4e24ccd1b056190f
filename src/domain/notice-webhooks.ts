/**
 * Where each chat service CodeArts notifies through takes its robot webhooks (CheckWebhookUrl):
 * the type as CodeArts names it, the hosts, and the path its robot URLs begin with. Kiln sends
 * no chat notices itself; the check tells a client whether a URL is of the kind the type needs.
 */
export const NOTICE_WEBHOOKS = {
  DING_TALK: { service: 'DingTalk', hosts: ['oapi.dingtalk.com'], path: '/robot/send' },
  FEI_SHU: {
    service: 'Feishu / Lark',
    hosts: ['open.feishu.cn', 'open.larksuite.com'],
    path: '/open-apis/bot/',
  },
  WE_COM: { service: 'WeCom', hosts: ['qyapi.weixin.qq.com'], path: '/cgi-bin/webhook/send' },
  WE_LINK: { service: 'WeLink', hosts: ['open.welink.huaweicloud.com'], path: '/api/werobot/' },
} as const;
export type NoticeType = keyof typeof NOTICE_WEBHOOKS;

/** What is wrong with `url` as a robot webhook of `type`; undefined when nothing is. */
export function noticeWebhookProblem(type: string, url: string): string | undefined {
  if (!Object.hasOwn(NOTICE_WEBHOOKS, type))
    return `notice_type must be one of ${Object.keys(NOTICE_WEBHOOKS).join(', ')} (got "${type}")`;
  const rule = NOTICE_WEBHOOKS[type as NoticeType];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'webhook_url is not a URL';
  }
  if (parsed.protocol !== 'https:') return 'webhook_url must be an https URL';
  if (parsed.username !== '' || parsed.password !== '')
    return 'webhook_url must not carry a user name or password';
  if (!(rule.hosts as readonly string[]).includes(parsed.hostname) || parsed.port !== '')
    return `a ${rule.service} robot webhook is on ${rule.hosts.join(' or ')}, not ${parsed.host}`;
  if (!parsed.pathname.startsWith(rule.path))
    return `a ${rule.service} robot webhook's path begins with ${rule.path}`;
  return undefined;
}
