import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../domain/clock.ts';
import { AppError } from '../domain/errors.ts';
import type { Principal, User } from '../domain/identity.ts';
import type { AccessKeyRecord, Storage } from '../storage/ports.ts';

export type { AccessKeyRecord };
import { unauthenticated } from './auth-service.ts';
import type { SecretBox } from './secret-box.ts';

/** How far an AK/SK request's X-Sdk-Date may be from the server clock. */
export const AKSK_SKEW_MS = 15 * 60_000;

/** What the HTTP edge extracted from a signed request. */
export interface AkskClaim {
  ak: string;
  signature: string;
  /** Epoch ms of X-Sdk-Date. */
  signedAt: number;
  /**
   * The StringToSign under each reading of the request the signers differ on (a path encoded
   * once or twice, `+` as a plus or a space); the signature must match one of them.
   */
  candidates: string[];
  /** X-Project-Id, when the client sent one. */
  projectId: string | undefined;
  /**
   * The request changes something (POST, PUT, PATCH, DELETE): its signature is accepted once.
   * Reads are not: X-Sdk-Date has whole seconds, so a client polling a status signs identical
   * requests within a second, and replaying a read changes nothing.
   */
  singleUse: boolean;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALNUM_MIXED = `${ALNUM}abcdefghijklmnopqrstuvwxyz`;

function randomText(length: number, alphabet: string): string {
  // 256 is not a multiple of the alphabet size; drop the biased tail of each random byte.
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

/** Access keys (AK/SK): created per user, secret shown once, checked against request signatures. */
export class AccessKeyService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly secrets: SecretBox,
  ) {}

  /** A new key for `owner` (the caller, or a user a domain admin names). */
  async create(
    caller: Principal,
    owner: User,
    description: string,
  ): Promise<{ key: AccessKeyRecord; secret: string }> {
    this.requireSelfOrAdmin(caller, owner);
    const secret = randomText(40, ALNUM_MIXED);
    const key: AccessKeyRecord = {
      ak: randomText(20, ALNUM),
      userId: owner.id,
      secretEnc: this.secrets.seal(secret),
      description,
      status: 'active',
      createdAt: this.clock.now(),
      lastUsedAt: null,
    };
    await this.storage.accessKeys.insert(key);
    return { key, secret };
  }

  private requireSelfOrAdmin(caller: Principal, owner: User): void {
    const allowed =
      caller.user.id === owner.id || (caller.user.isAdmin && caller.user.domainId === owner.domainId);
    if (!allowed)
      throw new AppError('FORBIDDEN', "only the key's owner or a domain administrator may do this");
  }

  async list(caller: Principal, owner: User): Promise<AccessKeyRecord[]> {
    this.requireSelfOrAdmin(caller, owner);
    return this.storage.accessKeys.listByUser(owner.id);
  }

  private async own(caller: Principal, ak: string): Promise<AccessKeyRecord> {
    const key = await this.storage.accessKeys.findByAk(ak);
    const owner = key && (await this.storage.users.findById(key.userId));
    // Another user's key is not found, as one that does not exist: a 403 would say it does.
    const mine = owner && (caller.user.id === owner.id || caller.user.isAdmin);
    if (!key || !owner || owner.domainId !== caller.user.domainId || !mine)
      throw new AppError('NOT_FOUND', `no access key ${ak}`);
    return key;
  }

  async setStatus(caller: Principal, ak: string, status: 'active' | 'disabled'): Promise<AccessKeyRecord> {
    const key = await this.own(caller, ak);
    await this.storage.accessKeys.setStatus(key.ak, status);
    return { ...key, status };
  }

  async remove(caller: Principal, ak: string): Promise<void> {
    const key = await this.own(caller, ak);
    await this.storage.accessKeys.delete(key.ak);
  }

  /** Deletes used signatures whose requests are outside the skew window of every server (run periodically). */
  async purgeUsedSignatures(): Promise<number> {
    // One more window of margin, for servers whose clocks run behind this one.
    return this.storage.usedSignatures.deleteExpired(this.clock.now() - AKSK_SKEW_MS);
  }

  /**
   * The active key a request signed at `signedAt` names, or a 401: what can be known of a signed
   * request before its body is read (the signature may cover the body).
   */
  async usableKey(ak: string, signedAt: number): Promise<AccessKeyRecord> {
    if (Math.abs(this.clock.now() - signedAt) > AKSK_SKEW_MS) {
      throw unauthenticated('the request date (X-Sdk-Date) is more than 15 minutes from the server time');
    }
    const key = await this.storage.accessKeys.findByAk(ak);
    if (!key) throw unauthenticated(`Get secretKey failed,ak:${ak},err:ak not exist`);
    if (key.status !== 'active') throw unauthenticated(`ak ${ak} is disabled`);
    return key;
  }

  /** The principal of a signed request, or a 401 saying why the signature is not accepted. */
  async authenticate(claim: AkskClaim): Promise<Principal> {
    const now = this.clock.now();
    const key = await this.usableKey(claim.ak, claim.signedAt);
    const expected = Buffer.from(claim.signature, 'hex');
    const secret = this.secrets.open(key.secretEnc);
    const match = claim.candidates.some((text) => {
      const actual = createHmac('sha256', secret).update(text).digest();
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    });
    if (!match) throw unauthenticated('verify aksk signature fail');
    // Recorded only once the signature is known good (nobody can use up another's signature), and
    // in the database, so a replay to another server sharing it is refused too.
    if (
      claim.singleUse &&
      !(await this.storage.usedSignatures.remember(claim.signature, claim.signedAt + AKSK_SKEW_MS))
    ) {
      throw unauthenticated(
        'this signature was already used: a signed POST, PUT, PATCH or DELETE is accepted once; sign each request anew',
      );
    }
    const user = await this.storage.users.findById(key.userId);
    if (!user || user.disabled) throw unauthenticated('the user is disabled');
    const domain = await this.storage.domains.findById(user.domainId);
    let iamProjectId: string | null = null;
    if (claim.projectId) {
      const project = await this.storage.iamProjects.findById(claim.projectId);
      if (!project || project.domainId !== user.domainId) {
        throw unauthenticated(`X-Project-Id ${claim.projectId} is not a project of the key's domain`);
      }
      iamProjectId = project.id;
    }
    // Recording every use would turn each signed read into a write; once a minute is enough to tell keys in use.
    if (key.lastUsedAt === null || now - key.lastUsedAt > 60_000)
      await this.storage.accessKeys.touch(key.ak, now);
    return { user, domainName: domain?.name ?? '', scope: 'project', iamProjectId, via: 'aksk' };
  }
}
