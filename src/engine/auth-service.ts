import type { Clock } from '../domain/clock.ts';
import { AppError } from '../domain/errors.ts';
import { newSecret } from '../domain/ids.ts';
import type { Domain, IamProject, Principal, TokenScope, User } from '../domain/identity.ts';
import { BOOTSTRAP } from '../domain/identity.ts';
import type { Storage, TokenRecord, UserCredentials } from '../storage/ports.ts';
import { PasswordWork, type PasswordWorkPlace } from './password-work.ts';
import { hashPassword, needsRehash, verifyAgainstNothing, verifyPassword } from './passwords.ts';
import { SignInThrottle, userSubject } from './sign-in-throttle.ts';
import { tokenHash } from './secret-box.ts';

/** How long a token lives (IAM: 24 h). */
export const TOKEN_TTL_MS = 24 * 3_600_000;

/** What a caller names to sign in (Keystone password method). */
export interface SignInRequest {
  userId?: string;
  userName?: string;
  domainId?: string;
  domainName?: string;
  password: string;
  /** The client's address (throttling counts attempts per address). */
  address: string;
  /** Requested scope; absent means a domain-scoped ("global") token, as IAM does for no scope. */
  scope?: { kind: TokenScope; id?: string; name?: string };
}

/** A token together with everything its Keystone body shows. */
export interface TokenView {
  record: TokenRecord;
  user: User;
  domain: Domain;
  iamProject: IamProject | undefined;
}

/** A freshly issued token (the only time its text exists outside the caller). */
export interface IssuedToken extends TokenView {
  token: string;
}

const UNAUTHORIZED_PREFIX = 'Incorrect IAM authentication information: ';

/** A 401 with the gateway's wording and the reason. */
export function unauthenticated(reason: string): AppError {
  return new AppError('UNAUTHENTICATED', `${UNAUTHORIZED_PREFIX}${reason}`);
}

const WRONG_CREDENTIALS = 'The username or password is wrong.';

/**
 * Who a sign-in is for, the same way whether or not the user exists: the user's id when it does,
 * else the names as given (within the domain when the domain exists).
 */
function subjectOf(
  req: SignInRequest,
  domain: Domain | undefined,
  creds: UserCredentials | undefined,
): string {
  if (creds) return userSubject(creds.user.id);
  if (req.userId) return userSubject(req.userId);
  const where = domain ? domain.id : `?${req.domainId ?? req.domainName ?? ''}`;
  return `name\0${where}\0${req.userName ?? ''}`;
}

/** Sign-in, tokens, and turning a token into a principal. */
export class AuthService {
  private readonly throttle: SignInThrottle;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly passwordCost: number,
    /** The line of password work, shared with every other hash (public so tests can hold its turns). */
    readonly work: PasswordWork = new PasswordWork(),
  ) {
    this.throttle = new SignInThrottle(storage, clock);
  }

  private async findDomain(req: SignInRequest): Promise<Domain | undefined> {
    if (req.domainId) return this.storage.domains.findById(req.domainId);
    return this.storage.domains.findByName(req.domainName ?? BOOTSTRAP.domain);
  }

  /**
   * Checks the password and issues a token. Each attempt takes a place in the line of password
   * work (429 at once when it is full) and is counted by the throttle before the password is
   * checked (429 while its user-and-address or its address is locked); an unknown user goes
   * through exactly the same steps, a hash included, and gets the same answers.
   */
  async signIn(req: SignInRequest): Promise<IssuedToken> {
    return this.work.inLine(req.address, 'sign-ins', (place) => this.checkAndIssue(req, place));
  }

  private async checkAndIssue(req: SignInRequest, place: PasswordWorkPlace): Promise<IssuedToken> {
    const domain = req.userId ? undefined : await this.findDomain(req);
    const creds = req.userId
      ? await this.storage.users.findCredentialsById(req.userId)
      : domain && req.userName
        ? await this.storage.users.findCredentialsByName(domain.id, req.userName)
        : undefined;
    const admission = await this.throttle.admit(subjectOf(req, domain, creds), req.address);
    const verified = creds
      ? await place.hash(() => verifyPassword(req.password, creds.passwordHash))
      : await place.hash(() => verifyAgainstNothing(req.password, this.passwordCost));
    if (!creds || !verified) throw new AppError('UNAUTHENTICATED', WRONG_CREDENTIALS);
    if (creds.user.disabled) throw new AppError('UNAUTHENTICATED', 'The user is disabled.');
    await this.throttle.succeeded(admission);
    let checked = creds.passwordHash;
    if (needsRehash(creds.passwordHash, this.passwordCost)) {
      const stronger = await place.hash(() => hashPassword(req.password, this.passwordCost));
      if (await this.storage.users.replacePasswordHash(creds.user.id, creds.passwordHash, stronger))
        checked = stronger;
      else {
        // Another sign-in of the user rehashed it first: the hash stored now matches this password
        // too, unless the password itself was changed meanwhile (then issue() refuses).
        const now = await this.storage.users.findCredentialsById(creds.user.id);
        if (now && (await place.hash(() => verifyPassword(req.password, now.passwordHash))))
          checked = now.passwordHash;
      }
    }
    return this.issue(req, creds.user, domain, checked);
  }

  /** Issues a token to `user` if their password hash is still `checked` (the one the password matched). */
  private async issue(
    req: SignInRequest,
    user: User,
    domain: Domain | undefined,
    checked: string,
  ): Promise<IssuedToken> {
    const now = this.clock.now();
    const userDomain = domain ?? (await this.storage.domains.findById(user.domainId));
    if (!userDomain) throw new AppError('INTERNAL', 'user without a domain');
    const scope = req.scope ?? { kind: 'domain' as const };
    let iamProject: IamProject | undefined;
    if (scope.kind === 'project') {
      iamProject = scope.id
        ? await this.storage.iamProjects.findById(scope.id)
        : await this.storage.iamProjects.findByName(userDomain.id, scope.name ?? '');
      if (!iamProject || iamProject.domainId !== userDomain.id) {
        throw new AppError(
          'INVALID_BODY',
          `auth.scope.project: no project ${JSON.stringify(scope.id ?? scope.name)} in domain ${userDomain.name}`,
        );
      }
    } else if ((scope.id && scope.id !== userDomain.id) || (scope.name && scope.name !== userDomain.name)) {
      throw new AppError(
        'INVALID_BODY',
        "auth.scope.domain: a token can only be scoped to the user's own domain",
      );
    }
    const token = `kiln_${newSecret(32)}`;
    const record: TokenRecord = {
      id: tokenHash(token),
      userId: user.id,
      scope: scope.kind,
      iamProjectId: iamProject?.id ?? null,
      issuedAt: now,
      expiresAt: now + TOKEN_TTL_MS,
      revokedAt: null,
    };
    // The password (or the user's enabled state) may have changed, on another server, since it was
    // checked, and that change's revocation of the user's tokens would miss one stored after it:
    // store the token only while the credentials checked are current, holding them till commit.
    const stored = await this.storage.transaction(async (tx) => {
      if (!(await tx.users.lockCredentials(user.id, checked))) return false;
      await tx.tokens.insert(record);
      return true;
    });
    if (!stored) throw new AppError('UNAUTHENTICATED', WRONG_CREDENTIALS);
    return { token, record, user, domain: userDomain, iamProject };
  }

  /** The live token behind `token`, or a 401 that says why it is not live. */
  async view(token: string): Promise<TokenView> {
    // The token, its user, the user's domain and the IAM project in one statement (every request).
    const session = token ? await this.storage.tokens.findSession(tokenHash(token)) : undefined;
    if (!session) throw unauthenticated('decrypt token fail');
    const { token: record, user, domain, iamProject } = session;
    if (record.revokedAt !== null) throw unauthenticated('token has been revoked');
    if (record.expiresAt <= this.clock.now()) {
      throw unauthenticated(`token expires, expires_at: ${new Date(record.expiresAt).toISOString()}`);
    }
    if (user.disabled) throw unauthenticated('the user is disabled');
    return { record, user, domain, iamProject };
  }

  /** The principal of an X-Auth-Token. `projectScope` refuses domain-scoped tokens (every CodeArts operation). */
  async authenticate(token: string | undefined, projectScope: boolean): Promise<Principal> {
    if (!token) throw unauthenticated('x-auth-token not found');
    const v = await this.view(token);
    if (projectScope && v.record.scope !== 'project') {
      throw unauthenticated('global tenant tokens are not supported; use a project-scoped token');
    }
    return {
      user: v.user,
      domainName: v.domain.name,
      scope: v.record.scope,
      iamProjectId: v.record.iamProjectId,
      via: 'token',
    };
  }

  /** KeystoneValidateToken: a user may check their own tokens; a domain admin any token of the domain. */
  async validate(caller: Principal, subject: string): Promise<TokenView> {
    const v = await this.view(subject).catch(() => {
      throw new AppError('NOT_FOUND', 'The subject token is invalid, expired or revoked.');
    });
    if (v.user.id !== caller.user.id && !(caller.user.isAdmin && v.user.domainId === caller.user.domainId)) {
      throw new AppError('NOT_FOUND', 'The subject token is invalid, expired or revoked.');
    }
    return v;
  }

  /** KeystoneRevokeToken, with the same rule as validate. */
  async revoke(caller: Principal, subject: string): Promise<void> {
    const v = await this.validate(caller, subject);
    await this.storage.tokens.revoke(v.record.id, this.clock.now());
  }

  /** Deletes tokens that expired more than a day ago, and idle sign-in counters (run periodically). */
  async purgeExpired(): Promise<number> {
    await this.throttle.purgeIdle();
    return this.storage.tokens.deleteExpired(this.clock.now() - 24 * 3_600_000);
  }
}
