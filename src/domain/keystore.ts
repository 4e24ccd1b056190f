/**
 * The file manager (CodeArts' "keystore" operations, issue 19): files a domain keeps for builds,
 * what each user may do with one, and the rules for their names.
 */

/** What a user may do with a file, as CodeArts names it. */
export interface KeystoreRights {
  /** Change who may do what (the permission operations). */
  setting: boolean;
  delete: boolean;
  /** Rename, describe, share, replace its bytes. */
  modify: boolean;
  /** Use it: in builds (download_file) and by downloading it. */
  usage: boolean;
}

/** The largest file any server keeps (KILN_FILE_MAX_BYTES may set less). */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

export const NO_RIGHTS: KeystoreRights = { setting: false, delete: false, modify: false, usage: false };
export const ALL_RIGHTS: KeystoreRights = { setting: true, delete: true, modify: true, usage: true };

/** A file as kept, without its bytes. */
export interface Keystore {
  id: string;
  domainId: string;
  name: string;
  description: string;
  /** 1: every user of the domain may use it (usage); 0: only those given a right. */
  share: number;
  size: number;
  sha256: string;
  creatorId: string;
  createdAt: number;
  updaterId: string;
  updatedAt: number;
}

/** One user's rights to a file. */
export interface KeystorePermission extends KeystoreRights {
  id: string;
  keystoreId: string;
  userId: string;
  canAbsent: boolean;
  createdAt: number;
}

/**
 * What `user` may do with `file`: everything as its creator or a domain administrator; else their
 * rights, with usage for all when the file is shared.
 */
export function keystoreRights(
  file: Keystore,
  user: { id: string; isAdmin: boolean },
  granted: KeystoreRights | undefined,
): KeystoreRights {
  if (user.isAdmin || file.creatorId === user.id) return ALL_RIGHTS;
  const rights = granted ?? NO_RIGHTS;
  return file.share === 1 ? { ...rights, usage: true } : rights;
}

/** The longest description a file may have (UpdateKeystore's, and so UploadKeystore's too). */
export const MAX_KEYSTORE_DESCRIPTION = 1024;

/** What is wrong with a file name ('' when nothing): a plain file name a build can be given. */
export function keystoreNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 128) return 'a file name has 1 to 128 characters';
  if (!/^[\w.@+-]+$/.test(name)) return `file name "${name}" may hold only letters, digits and _ . @ + -`;
  if (name === '.' || name === '..' || name.startsWith('.git')) return `"${name}" cannot be a file name`;
  return undefined;
}
