import { hasControlChars } from '../domain/control-chars.ts';
import type { Clock } from '../domain/clock.ts';
import { AppError, invalidParam } from '../domain/errors.ts';
import { isId32, newId32, newSecret } from '../domain/ids.ts';
import {
  BOOTSTRAP,
  isValidUserName,
  passwordProblem,
  type Domain,
  type IamProject,
  type Membership,
  type Principal,
  type Project,
  type User,
} from '../domain/identity.ts';
import { isRole, ROLES, type Role } from '../domain/roles.ts';
import { isUniqueViolation } from '../storage/errors.ts';
import type { ProjectWithRole, Storage, Stores } from '../storage/ports.ts';
import { requireProject } from './access.ts';
import type { PasswordWork } from './password-work.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { SignInThrottle, userSubject } from './sign-in-throttle.ts';

/** What first start created, and the admin password when Kiln made one up. */
export interface BootstrapResult {
  created: boolean;
  generatedPassword?: string;
}

/** Domains, users, CodeArts projects and their members. */
export class DirectoryService {
  private readonly throttle: SignInThrottle;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly passwordCost: number,
    /** Sign-in's line of password work: every hash here takes a place in it too (password-work.ts). */
    private readonly work: PasswordWork,
  ) {
    this.throttle = new SignInThrottle(storage, clock);
  }

  /** A new hash of `password`, made with a place in the line for the caller's `address`. */
  private hashInLine(password: string, address: string): Promise<string> {
    return this.work.inLine(address, 'password hashes', (place) =>
      place.hash(() => hashPassword(password, this.passwordCost)),
    );
  }

  private requireAdmin(caller: Principal): void {
    if (!caller.user.isAdmin) throw new AppError('FORBIDDEN', 'only a domain administrator may do this');
  }

  private checkPassword(password: string, field = 'password'): void {
    const problem = passwordProblem(password);
    if (problem) throw invalidParam(`${field} ${problem}`);
  }

  /**
   * On an empty database: domain `default`, user `admin`, IAM project `local` and CodeArts project
   * `default` owned by admin. Does nothing when the domain already exists.
   */
  async bootstrap(adminPassword: string | undefined): Promise<BootstrapResult> {
    if (await this.storage.domains.findByName(BOOTSTRAP.domain)) return { created: false };
    const generated = adminPassword ? undefined : newSecret(18);
    const password = adminPassword ?? (generated as string);
    const hash = await hashPassword(password, this.passwordCost);
    try {
      await this.storage.transaction(async (tx) => {
        const { admin } = await this.createDomainIn(tx, BOOTSTRAP.domain, BOOTSTRAP.admin, hash);
        const now = this.clock.now();
        const project: Project = {
          id: newId32(),
          domainId: admin.domainId,
          name: BOOTSTRAP.project,
          description: 'Created on first start',
          creatorId: admin.id,
          createdAt: now,
        };
        await tx.projects.insert(project);
        await tx.projects.setMember({ projectId: project.id, userId: admin.id, role: 'owner' }, now);
      });
    } catch (error) {
      // Another server finished the bootstrap first (several servers starting on one database).
      if (isUniqueViolation(error)) return { created: false };
      throw error;
    }
    return { created: true, ...(generated && { generatedPassword: generated }) };
  }

  private async createDomainIn(
    tx: Stores,
    name: string,
    adminName: string,
    passwordHash: string,
  ): Promise<{ domain: Domain; admin: User; iamProjectId: string }> {
    const now = this.clock.now();
    const domain: Domain = { id: newId32(), name, createdAt: now };
    await tx.domains.insert(domain);
    const admin: User = {
      id: newId32(),
      domainId: domain.id,
      name: adminName,
      displayName: adminName,
      isAdmin: true,
      disabled: false,
      createdAt: now,
    };
    await tx.users.insert(admin, passwordHash);
    const iamProjectId = newId32();
    await tx.iamProjects.insert({ id: iamProjectId, domainId: domain.id, name: BOOTSTRAP.iamProject });
    return { domain, admin, iamProjectId };
  }

  /** A new tenant with its first administrator; only administrators of the default domain may. */
  async createDomain(
    caller: Principal,
    input: { name: string; adminName: string; adminPassword: string },
    address: string,
  ): Promise<{ domain: Domain; admin: User; iamProjectId: string }> {
    if (!caller.user.isAdmin || caller.domainName !== BOOTSTRAP.domain) {
      throw new AppError('FORBIDDEN', 'only an administrator of the default domain may create domains');
    }
    if (!isValidUserName(input.name))
      throw invalidParam('name must be letters, digits, _ . @ - (at most 64)');
    if (!isValidUserName(input.adminName))
      throw invalidParam('admin_name must be letters, digits, _ . @ - (at most 64)');
    this.checkPassword(input.adminPassword, 'admin_password');
    const hash = await this.hashInLine(input.adminPassword, address);
    try {
      return await this.storage.transaction((tx) =>
        this.createDomainIn(tx, input.name, input.adminName, hash),
      );
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError('CONFLICT', `a domain named ${input.name} already exists`);
      throw error;
    }
  }

  /** Finds a user of the caller's domain by id or login name. */
  async findUser(caller: Principal, ref: string): Promise<User> {
    const user = isId32(ref)
      ? await this.storage.users.findById(ref)
      : (await this.storage.users.findCredentialsByName(caller.user.domainId, ref))?.user;
    if (!user || user.domainId !== caller.user.domainId)
      throw new AppError('NOT_FOUND', `no user ${ref} in this domain`);
    return user;
  }

  async listUsers(caller: Principal): Promise<User[]> {
    this.requireAdmin(caller);
    return this.storage.users.listByDomain(caller.user.domainId);
  }

  async createUser(
    caller: Principal,
    input: { name: string; password: string; displayName?: string; isAdmin?: boolean },
    address: string,
  ): Promise<User> {
    this.requireAdmin(caller);
    if (!isValidUserName(input.name))
      throw invalidParam('name must be letters, digits, _ . @ - (at most 64)');
    this.checkPassword(input.password);
    checkDisplayName(input.displayName);
    const user: User = {
      id: newId32(),
      domainId: caller.user.domainId,
      name: input.name,
      displayName: input.displayName?.trim() || input.name,
      isAdmin: input.isAdmin ?? false,
      disabled: false,
      createdAt: this.clock.now(),
    };
    try {
      await this.storage.users.insert(user, await this.hashInLine(input.password, address));
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError('CONFLICT', `a user named ${input.name} already exists`);
      throw error;
    }
    return user;
  }

  /** Changes a user; disabling revokes every token they hold. */
  async updateUser(
    caller: Principal,
    ref: string,
    changes: { displayName?: string; isAdmin?: boolean; disabled?: boolean },
  ): Promise<User> {
    this.requireAdmin(caller);
    checkDisplayName(changes.displayName);
    const user = await this.findUser(caller, ref);
    if (user.id === caller.user.id && (changes.disabled === true || changes.isAdmin === false)) {
      throw invalidParam('you cannot disable yourself or drop your own administrator role');
    }
    const now = this.clock.now();
    await this.storage.transaction(async (tx) => {
      // The caller was an administrator when the request began; another administrator may have
      // demoted or disabled them since (on another server), each taking the other's role at once
      // would leave the domain none. Checked again on the locked rows: the second change waits for
      // the first, then is refused, and the caller, who cannot drop their own role, stays one.
      if (!(await tx.users.lockEnabledAdmins(caller.user.domainId)).includes(caller.user.id))
        throw new AppError('FORBIDDEN', 'only a domain administrator may do this (you are no longer one)');
      await tx.users.update(user.id, changes, now);
      if (changes.disabled) await tx.tokens.revokeAllForUser(user.id, now);
    });
    return (await this.storage.users.findById(user.id)) as User;
  }

  /** An administrator sets a password; the user's tokens die with the old one. */
  async setPassword(caller: Principal, ref: string, password: string, address: string): Promise<void> {
    this.requireAdmin(caller);
    const user = await this.findUser(caller, ref);
    this.checkPassword(password);
    await this.replacePassword(user.id, await this.hashInLine(password, address));
  }

  /**
   * A user changes their own password, proving the old one from the client `address`. That proof
   * is a password check like a sign-in's and is guarded the same way, or a stolen token would make
   * an unlimited guesser (and a right guess a lasting account): it is counted by the sign-in
   * throttle under sign-in's own key for the user and address (guesses here and at sign-in add up;
   * 429 once locked), and hashed with a place in the line of password work (429 when it is full).
   */
  async changeOwnPassword(
    caller: Principal,
    oldPassword: string,
    newPassword: string,
    address: string,
  ): Promise<void> {
    // Before any hash or count: a new password that would be refused anyway costs neither.
    this.checkPassword(newPassword, 'new_password');
    await this.work.inLine(address, 'password changes', async (place) => {
      const admission = await this.throttle.admit(userSubject(caller.user.id), address);
      const creds = await this.storage.users.findCredentialsById(caller.user.id);
      if (!creds || !(await place.hash(() => verifyPassword(oldPassword, creds.passwordHash)))) {
        throw invalidParam('old_password is wrong');
      }
      await this.throttle.succeeded(admission);
      const hash = await place.hash(() => hashPassword(newPassword, this.passwordCost));
      await this.replacePassword(caller.user.id, hash);
    });
  }

  /** Stores a new password hash; the user's tokens die with the old one. */
  private async replacePassword(userId: string, hash: string): Promise<void> {
    const now = this.clock.now();
    await this.storage.transaction(async (tx) => {
      await tx.users.setPassword(userId, hash, now);
      await tx.tokens.revokeAllForUser(userId, now);
    });
  }

  /** Projects the caller sees (members; admins see the whole domain). */
  /**
   * KeystoneListProjects / KeystoneListAuthProjects: the IAM projects (regions) of the caller's
   * domain that match Keystone's filters. Every IAM project is enabled, is no domain, and has the
   * domain for parent.
   */
  async iamProjects(
    caller: Principal,
    filter: {
      name?: string;
      domainId?: string;
      parentId?: string;
      enabled?: boolean;
      isDomain?: boolean;
    } = {},
  ): Promise<IamProject[]> {
    const domainId = caller.user.domainId;
    if (filter.isDomain === true || filter.enabled === false) return [];
    if (filter.domainId !== undefined && filter.domainId !== domainId) return [];
    if (filter.parentId !== undefined && filter.parentId !== domainId) return [];
    const all = await this.storage.iamProjects.listByDomain(domainId);
    return filter.name === undefined ? all : all.filter((p) => p.name === filter.name);
  }

  /** The name of the IAM project (region) the caller's credentials name; '' when none. */
  async regionOf(caller: Principal): Promise<string> {
    if (!caller.iamProjectId) return '';
    return (await this.storage.iamProjects.findById(caller.iamProjectId))?.name ?? '';
  }

  /**
   * ShowDomainsStatuses: the domains named (ids, comma-separated) that the caller may see (their
   * own; an administrator of the default domain, every one), or the caller's domain.
   */
  async visibleDomains(caller: Principal, ids: string | undefined): Promise<Domain[]> {
    const wanted = (ids ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
    if (wanted.length === 0) return [await this.ownDomain(caller)];
    const operator = caller.user.isAdmin && caller.domainName === BOOTSTRAP.domain;
    const found: Domain[] = [];
    for (const id of new Set(wanted)) {
      if (!operator && id !== caller.user.domainId) continue;
      const domain = await this.storage.domains.findById(id);
      if (domain) found.push(domain);
    }
    return found;
  }

  /** Checks that the caller can see the project (404 otherwise, as for any project). */
  async requireVisibleProject(caller: Principal, projectId: string): Promise<void> {
    await requireProject(this.storage, caller, projectId, 'read');
  }

  /** KeystoneListAuthDomains: the caller's domain. */
  async ownDomain(caller: Principal): Promise<Domain> {
    const domain = await this.storage.domains.findById(caller.user.domainId);
    if (!domain) throw new AppError('NOT_FOUND', 'your domain no longer exists');
    return domain;
  }

  async listProjects(
    caller: Principal,
    page: { offset: number; limit: number; search?: string },
  ): Promise<{ items: ProjectWithRole[]; total: number }> {
    return this.storage.projects.listVisible(caller.user.id, caller.user.domainId, caller.user.isAdmin, page);
  }

  /** A new CodeArts project owned by its creator. */
  async createProject(caller: Principal, input: { name: string; description?: string }): Promise<Project> {
    this.requireAdmin(caller);
    const name = input.name.trim();
    if (name === '' || hasControlChars(name)) throw invalidParam('name must be non-empty printable text');
    const now = this.clock.now();
    const project: Project = {
      id: newId32(),
      domainId: caller.user.domainId,
      name,
      description: input.description ?? '',
      creatorId: caller.user.id,
      createdAt: now,
    };
    try {
      await this.storage.transaction(async (tx) => {
        await tx.projects.insert(project);
        await tx.projects.setMember({ projectId: project.id, userId: caller.user.id, role: 'owner' }, now);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('CONFLICT', `a project named ${name} already exists`);
      throw error;
    }
    return project;
  }

  async listMembers(caller: Principal, projectId: string) {
    await requireProject(this.storage, caller, projectId, 'read');
    return this.storage.projects.listMembers(projectId);
  }

  /**
   * A domain administrator's membership row decides nothing (they are an owner of every project:
   * access.ts effectiveRole), so a project owner who writes one means to demote a higher role and
   * would only leave a member list that says so: only administrators may change it (403).
   */
  private requireMayChangeRow(caller: Principal, user: User): void {
    if (user.isAdmin && !caller.user.isAdmin) {
      throw new AppError(
        'FORBIDDEN',
        `${user.name} is a domain administrator, an owner of every project: only an administrator may change their membership`,
      );
    }
  }

  /** Adds a member or changes a role (owners; an administrator's, administrators). */
  async setMember(
    caller: Principal,
    projectId: string,
    userRef: string,
    role: string,
  ): Promise<Membership & { user: User }> {
    if (!isRole(role)) throw invalidParam(`role must be one of ${ROLES.join(', ')}`);
    await requireProject(this.storage, caller, projectId, 'manage');
    const user = await this.findUser(caller, userRef);
    this.requireMayChangeRow(caller, user);
    const membership: Membership = { projectId, userId: user.id, role: role as Role };
    await this.storage.projects.setMember(membership, this.clock.now());
    return { ...membership, user };
  }

  async removeMember(caller: Principal, projectId: string, userRef: string): Promise<void> {
    await requireProject(this.storage, caller, projectId, 'manage');
    const user = await this.findUser(caller, userRef);
    this.requireMayChangeRow(caller, user);
    if (!(await this.storage.projects.removeMember(projectId, user.id))) {
      throw new AppError('NOT_FOUND', `${user.name} is not a member of this project`);
    }
  }
}

/** A display name is shown to others (lists, notifications, a terminal): no control characters. */
function checkDisplayName(name: string | undefined): void {
  if (name !== undefined && hasControlChars(name))
    throw invalidParam('display_name must not contain control characters');
}
