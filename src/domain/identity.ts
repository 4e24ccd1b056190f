import type { Role } from './roles.ts';

/** A tenant (IAM domain): users, projects and jobs live in exactly one. */
export interface Domain {
  id: string;
  name: string;
  createdAt: number;
  /** SetKeepTime: days a deleted job stays in the recycle bin; absent: the server's setting. */
  recycleBinDays?: number;
}

/** A person or robot that signs in. */
export interface User {
  id: string;
  domainId: string;
  name: string;
  displayName: string;
  /** Domain administrator: manages the domain's users and projects and sees every project. */
  isAdmin: boolean;
  disabled: boolean;
  createdAt: number;
}

/** An IAM project (a "region"): what a project-scoped token is scoped to. */
export interface IamProject {
  id: string;
  domainId: string;
  name: string;
}

/** A CodeArts project: jobs belong to one; members hold roles in it. */
export interface Project {
  id: string;
  domainId: string;
  name: string;
  description: string;
  creatorId: string;
  createdAt: number;
}

/** A user's role in a project. */
export interface Membership {
  projectId: string;
  userId: string;
  role: Role;
}

/** Scope a token was issued for; build APIs accept only project scope. */
export type TokenScope = 'project' | 'domain';

/** A signed-in caller, resolved from a token or an access key. */
export interface Principal {
  user: User;
  domainName: string;
  scope: TokenScope;
  /** The IAM project a project-scoped token names (or the AK/SK request's X-Project-Id). */
  iamProjectId: string | null;
  /** How the caller proved who they are. */
  via: 'token' | 'aksk';
}

/** The names Kiln creates on first start. */
export const BOOTSTRAP = {
  domain: 'default',
  admin: 'admin',
  iamProject: 'local',
  project: 'default',
} as const;

const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

/** True for a login name Kiln accepts (letters, digits, `_.@-`, at most 64). */
export function isValidUserName(name: string): boolean {
  return USER_NAME.test(name);
}

/** Password rule: long enough to matter, short enough to hash without abuse. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 8) return 'must be at least 8 characters';
  if (password.length > 256) return 'must be at most 256 characters';
  return undefined;
}
