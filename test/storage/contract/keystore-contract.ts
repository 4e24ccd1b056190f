import { describe, expect, it } from 'vitest';
import { newId32 } from '../../../src/domain/ids.ts';
import type { Keystore, KeystorePermission } from '../../../src/domain/keystore.ts';
import { isForeignKeyViolation } from '../../../src/storage/errors.ts';
import type { Storage } from '../../../src/storage/ports.ts';

/**
 * The part of the store contract for rights to files of the file manager: what several servers
 * writing one user's rights at once may rely on. Registered by runStoreContract.
 */
export function keystorePermissionContract(
  storage: () => Storage,
  owner: () => { domainId: string; userId: string; now: number },
): void {
  async function newFile(): Promise<Keystore> {
    const { domainId, userId, now } = owner();
    const file: Keystore = {
      id: newId32(),
      domainId,
      name: `f-${newId32().slice(0, 8)}.xml`,
      description: '',
      share: 0,
      size: 1,
      sha256: '0'.repeat(64),
      creatorId: userId,
      createdAt: now,
      updaterId: userId,
      updatedAt: now,
    };
    await storage().keystores.insert(file, new Uint8Array([1]));
    return file;
  }
  const rights = (keystoreId: string, usage: boolean): KeystorePermission => ({
    id: newId32(),
    keystoreId,
    userId: owner().userId,
    createdAt: owner().now,
    setting: false,
    delete: false,
    modify: false,
    usage,
    canAbsent: false,
  });

  describe('keystore permissions', () => {
    it("answers the kept row's id when a user is given rights again", async () => {
      const file = await newFile();
      const first = rights(file.id, false);
      expect(await storage().keystores.putPermission(first)).toBe(first.id);
      expect(await storage().keystores.putPermission(rights(file.id, true))).toBe(first.id);
      const rows = await storage().keystores.permissions(file.id);
      expect(rows).toEqual([{ ...first, usage: true }]);
    });

    it('changes only rights that are still there, never giving back those taken away', async () => {
      const file = await newFile();
      const given = rights(file.id, true);
      const id = await storage().keystores.putPermission(given);
      const change = { delete: true, modify: true, usage: true, canAbsent: false };
      expect(await storage().keystores.updatePermission(id, change)).toBe(true);
      expect(await storage().keystores.permission(id)).toEqual({ ...given, delete: true, modify: true });
      await storage().keystores.deletePermission(id);
      expect(await storage().keystores.updatePermission(id, change)).toBe(false);
      expect(await storage().keystores.permissions(file.id)).toEqual([]);
    });

    it('refuses rights to a deleted file as a foreign-key violation (the service answers the 404 of the file)', async () => {
      const file = await newFile();
      await storage().keystores.delete(file.id);
      await expect(storage().keystores.putPermission(rights(file.id, true))).rejects.toSatisfy(
        isForeignKeyViolation,
      );
    });
  });
}
