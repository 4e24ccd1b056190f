import type { User } from '../domain/identity.ts';
import type { Stores } from '../storage/ports.ts';

/** Finds users by id, each one once however many rows of a page name them. */
export function userLookup(stores: Stores): (id: string) => Promise<User | undefined> {
  const found = new Map<string, Promise<User | undefined>>();
  return (id) => {
    let user = found.get(id);
    if (!user) found.set(id, (user = stores.users.findById(id)));
    return user;
  };
}
