import type { TokenBody } from '../../contract/iam.ts';
import type { TokenView } from '../../engine/auth-service.ts';

/** Keystone's time format: `2020-01-04T09:05:22.701000Z` (microseconds). */
function keystoneTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '000Z');
}

/** The Keystone `token` body for a token; `catalogUrl` undefined leaves the catalog out (?nocatalog). */
export function toTokenBody(v: TokenView, catalogUrl: string | undefined): TokenBody {
  const domain = { id: v.domain.id, name: v.domain.name };
  const region = v.iamProject?.name ?? 'local';
  return {
    token: {
      ...(catalogUrl !== undefined && {
        catalog: [
          {
            endpoints: [
              {
                id: `${v.domain.id.slice(0, 16)}codeartsbuild`,
                interface: 'public',
                region,
                region_id: region,
                url: catalogUrl,
              },
            ],
            id: 'codeartsbuild',
            name: 'codeartsbuild',
            type: 'codeartsbuild',
          },
        ],
      }),
      ...(v.record.scope === 'domain' && { domain }),
      expires_at: keystoneTime(v.record.expiresAt),
      issued_at: keystoneTime(v.record.issuedAt),
      methods: ['password'],
      ...(v.iamProject && { project: { domain, id: v.iamProject.id, name: v.iamProject.name } }),
      roles: [{ id: '0', name: v.user.isAdmin ? 'te_admin' : 'te_user' }],
      user: { domain, id: v.user.id, name: v.user.name, password_expires_at: '' },
    },
  };
}
