import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  createDomain,
  createUser,
  formBody,
  onEveryStore,
  tokenOf,
  uploadFile,
} from '../../helpers/foundation.ts';
import { expectOk } from './common.ts';

/**
 * The file manager (issue 19): CodeArts' keystore operations, field for field; files sealed at
 * rest; who may do what with a file (creator, rights given, sharing, domain admins); the size cap.
 */

onEveryStore((store) => {
  describe('the file manager', () => {
    let kiln: TestKiln;
    let admin: string;
    let alice: string;
    let bob: string;
    let aliceId = '';
    let domainId = '';

    /** The store's own connection (SqlStorage keeps it as `db`), to look at what is stored. */
    const db = () => (kiln.storage as unknown as { db: Kysely<unknown> }).db;
    const list = async (token: string, query = '') => {
      const res = await kiln.call(token, { method: 'GET', url: `/v2/keystore/list${query}` });
      expectOk(res);
      return res.json();
    };
    const download = (token: string, name: string, id: string, domain = domainId) =>
      kiln.call(token, {
        method: 'GET',
        url: `/v2/keystore/download?name=${name}&domain_id=${domain}&id=${id}`,
      });
    const grant = (token: string, keystoreId: string, rights: Record<string, boolean>) =>
      kiln.call(token, {
        method: 'POST',
        url: '/v2/keystore/permission/add',
        payload: {
          keystore_id: keystoreId,
          user_id: aliceId,
          user_name: 'alice',
          setting: false,
          delete: false,
          modify: false,
          usage: false,
          can_absent: false,
          ...rights,
        },
      });

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      aliceId = await createUser(kiln, admin, 'alice', 'alice-password-1');
      await createUser(kiln, admin, 'bob', 'bob-password-1');
      alice = await tokenOf(kiln, { name: 'alice', password: 'alice-password-1', domain: 'default' });
      bob = await tokenOf(kiln, { name: 'bob', password: 'bob-password-1', domain: 'default' });
      domainId = (await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users/me' })).json().result
        .domain_id;
    });
    afterAll(() => kiln?.close());

    it('keeps an uploaded file and lists it as CodeArts does, field for field', async () => {
      const id = await uploadFile(kiln, bob, 'settings.xml', '<settings>bob</settings>');
      expect(id).toMatch(/^[0-9a-z]{32}$/);
      const body = await list(bob, '?page=1&page_size=10&search=SETTINGS');
      expect(body).toMatchObject({ status: 'success', error: null, result: { total: 1 } });
      const [file] = body.result.keystore_list;
      expect(file).toEqual({
        id,
        permission: { keystore_id: id, setting: true, delete: true, modify: true, usage: true },
        create_time_stamp: expect.stringMatching(/^\d{10}$/),
        update_time_stamp: expect.stringMatching(/^\d{10}$/),
        domain_id: domainId,
        domain_name: 'default',
        keystore_name: 'settings.xml',
        create_user_id: expect.stringMatching(/^[0-9a-z]{32}$/),
        create_user_name: 'bob',
        update_user_id: file.create_user_id,
        update_user_name: 'bob',
        share: 0,
        create_time: expect.stringMatching(/^\d{4}-\d{1,2}-\d{1,2} \d{2}:\d{2}$/),
        update_time: file.create_time,
        description: 'the settings.xml file',
        size: 24,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      // Alice sees it, with no right to it; ListKeystore names only what she may use.
      const seen = (await list(alice, '?search=settings')).result.keystore_list[0];
      expect(seen.permission).toEqual({
        keystore_id: id,
        setting: false,
        delete: false,
        modify: false,
        usage: false,
      });
      const usable = await kiln.call(alice, { method: 'GET', url: '/v2/keystore/name' });
      expect(usable.json()).toEqual({ result: [], status: 'success' });
      expect((await kiln.call(bob, { method: 'GET', url: '/v2/keystore/name' })).json().result).toEqual([
        { id, keystore_name: 'settings.xml' },
      ]);
    });

    it('holds no plaintext of a file in the database', async () => {
      const marker = 'PLAINTEXT-MARKER-7f3a9c';
      await uploadFile(kiln, admin, 'marker.txt', `${marker}\n`.repeat(50));
      if (store === 'sqlite') {
        const path = kiln.databaseUrl.replace(/^sqlite:/, '');
        for (const name of readdirSync(dirname(path)))
          expect(readFileSync(`${dirname(path)}/${name}`).includes(marker), name).toBe(false);
      } else {
        const { rows } = await sql<{ n: number }>`select count(*) as n from keystores
          where position(${Buffer.from(marker)}::bytea in content) > 0`.execute(db());
        expect(Number(rows[0]!.n)).toBe(0);
      }
    });

    it('gives the bytes only to those who may use the file, and records each read', async () => {
      const id = await uploadFile(kiln, bob, 'bob.npmrc', '//registry/:_authToken=bob-secret\n');
      const mine = await download(bob, 'bob.npmrc', id);
      expect(mine.statusCode).toBe(200);
      expect(mine.headers['content-type']).toBe('application/octet-stream');
      expect(mine.headers['content-disposition']).toBe('attachment; filename="bob.npmrc"');
      expect(mine.body).toBe('//registry/:_authToken=bob-secret\n');
      const v3 = await kiln.call(bob, {
        method: 'GET',
        url: `/v3/keystore?file_name=bob.npmrc&domain_id=${domainId}`,
      });
      expect(v3.body).toBe(mine.body);
      const refused = await download(alice, 'bob.npmrc', id);
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({
        error_code: 'CB.00060403',
        error_msg: 'you may not use file bob.npmrc',
      });
      // A domain administrator may; a wrong name or another domain's id is a 404.
      expect((await download(admin, 'bob.npmrc', id)).statusCode).toBe(200);
      expect((await download(bob, 'other.npmrc', id)).statusCode).toBe(404);
      expect((await download(bob, 'bob.npmrc', id, '0'.repeat(32))).statusCode).toBe(404);
      const reads = await sql<{
        how: string;
      }>`select how from keystore_accesses where keystore_id = ${id}`.execute(db());
      expect(reads.rows.map((r) => r.how)).toEqual(['download', 'download', 'download']);
    });

    it('shares a public file with the domain, and replaces the bytes of a name it has', async () => {
      const id = await uploadFile(kiln, bob, 'shared.jks', 'v1', 'public');
      expect((await download(alice, 'shared.jks', id)).body).toBe('v1');
      // Alice may use it, not change it: her upload of the name is refused; Bob's replaces it.
      const hers = await kiln.call(alice, {
        method: 'POST',
        url: '/v2/keystore/upload',
        ...formBody({ privacy: 'private' }, { name: 'shared.jks', data: 'alice' }),
      });
      expect(hers.statusCode).toBe(403);
      expect(await uploadFile(kiln, bob, 'shared.jks', 'version two')).toBe(id);
      expect((await download(alice, 'shared.jks', id)).body).toBe('version two');
    });

    it('gives, changes and takes back rights; only those with the setting right may', async () => {
      const id = await uploadFile(kiln, bob, 'signing.jks', 'key material');
      expect((await grant(alice, id, { usage: true })).statusCode).toBe(403);
      const added = await grant(bob, id, { usage: true, can_absent: true });
      expectOk(added);
      const permissionId = added.json().result as string;
      expect(added.json()).toEqual({ result: permissionId, error: null, status: 'success' });
      expect((await download(alice, 'signing.jks', id)).statusCode).toBe(200);

      const shown = await kiln.call(alice, {
        method: 'GET',
        url: `/v2/keystore/permission/${id}/query?page=1&page_size=10`,
      });
      expectOk(shown);
      expect(shown.json().result).toEqual({
        total: 2,
        permission_list: [
          expect.objectContaining({ user_name: 'bob', is_creator: true, setting: true, usage: true }),
          {
            id: permissionId,
            keystore_id: id,
            user_name: 'alice',
            is_creator: false,
            can_absent: true,
            setting: false,
            delete: false,
            modify: false,
            usage: true,
          },
        ],
      });

      // modify lets her rename it; without the setting right she still may not give rights.
      const edit = await kiln.call(bob, {
        method: 'POST',
        url: '/v2/keystore/permission/edit',
        payload: {
          id: permissionId,
          keystore_id: id,
          user_name: 'alice',
          delete: false,
          modify: true,
          usage: true,
        },
      });
      expectOk(edit);
      const renamed = await kiln.call(alice, {
        method: 'POST',
        url: `/v2/keystore/update/${id}`,
        payload: { id, keystore_name: 'release.jks', description: 'release key', share: 0 },
      });
      expectOk(renamed);
      expect(renamed.json()).toEqual({ error: null, status: 'success' });
      expect((await list(bob, '?search=release')).result.keystore_list[0]).toMatchObject({
        keystore_name: 'release.jks',
        description: 'release key',
        update_user_name: 'alice',
      });
      expect(
        (await kiln.call(alice, { method: 'DELETE', url: `/v2/keystore/${id}/delete` })).statusCode,
      ).toBe(403);

      const gone = await kiln.call(bob, {
        method: 'DELETE',
        url: `/v2/keystore/permission/${permissionId}/delete`,
      });
      expect(gone.json()).toEqual({ result: '', error: null, status: 'success' });
      expect((await download(alice, 'release.jks', id)).statusCode).toBe(403);
      const deleted = await kiln.call(bob, { method: 'DELETE', url: `/v2/keystore/${id}/delete` });
      expect(deleted.json()).toEqual({ result: null, error: null, status: 'success' });
      expect((await download(bob, 'release.jks', id)).statusCode).toBe(404);
    });

    it('lets one with the setting right give only the rights they have: setting alone is not every right', async () => {
      const id = await uploadFile(kiln, bob, 'setting-only.jks', 'key material');
      expectOk(await grant(bob, id, { setting: true }));
      const self = await grant(alice, id, { setting: true, usage: true, modify: true, delete: true });
      expect(self.statusCode).toBe(403);
      expect(self.json().error_msg).toContain('you may give only rights you have');
      expect((await download(alice, 'setting-only.jks', id)).statusCode).toBe(403);
      // What she has, she may give (and take away).
      expectOk(await grant(alice, id, { setting: true }));
    });

    it("lets one with the setting right take away another's rights, even those they lack, never the creator's", async () => {
      const id = await uploadFile(kiln, bob, 'take-away.jks', 'key material');
      const carolId = await createUser(kiln, admin, 'carol', 'carol-password-1');
      const carol = await tokenOf(kiln, { name: 'carol', password: 'carol-password-1', domain: 'default' });
      expectOk(await grant(bob, id, { setting: true }));
      const given = await kiln.call(bob, {
        method: 'POST',
        url: '/v2/keystore/permission/add',
        payload: {
          keystore_id: id,
          user_id: carolId,
          user_name: 'carol',
          setting: false,
          delete: true,
          modify: false,
          usage: true,
          can_absent: false,
        },
      });
      expectOk(given);
      expect((await download(carol, 'take-away.jks', id)).statusCode).toBe(200);

      // Alice may neither use nor delete the file, yet taking those rights from Carol gives her none.
      const taken = await kiln.call(alice, {
        method: 'POST',
        url: '/v2/keystore/permission/add',
        payload: {
          keystore_id: id,
          user_id: carolId,
          user_name: 'carol',
          setting: false,
          delete: false,
          modify: false,
          usage: false,
          can_absent: false,
        },
      });
      expectOk(taken);
      expect((await download(carol, 'take-away.jks', id)).statusCode).toBe(403);
      expect((await download(alice, 'take-away.jks', id)).statusCode).toBe(403);

      const rows = await kiln.call(alice, {
        method: 'GET',
        url: `/v2/keystore/permission/${id}/query?page=1&page_size=10`,
      });
      const creatorRow = (rows.json().result.permission_list as { id: string; is_creator: boolean }[]).find(
        (row) => row.is_creator,
      );
      const kept = await kiln.call(alice, {
        method: 'DELETE',
        url: `/v2/keystore/permission/${creatorRow?.id}/delete`,
      });
      expect(kept.statusCode).toBe(404);
      expect((await download(bob, 'take-away.jks', id)).statusCode).toBe(200);
    });

    it('lets one who may change a file but not use it rename it, not share it (sharing gives usage)', async () => {
      const id = await uploadFile(kiln, bob, 'modify-only.jks', 'key material');
      expectOk(await grant(bob, id, { modify: true }));
      const update = (share: number) =>
        kiln.call(alice, {
          method: 'POST',
          url: `/v2/keystore/update/${id}`,
          payload: { id, keystore_name: 'modify-only.jks', description: 'hers now', share },
        });
      expectOk(await update(0));
      const shared = await update(1);
      expect(shared.statusCode).toBe(403);
      expect(shared.json().error_msg).toContain('sharing it gives every user of the domain its use');
      expect((await download(alice, 'modify-only.jks', id)).statusCode).toBe(403);
    });

    it('refuses bad uploads and changes with a message that says what is wrong', async () => {
      const big = await kiln.call(bob, {
        method: 'POST',
        url: '/v2/keystore/upload',
        ...formBody({ privacy: 'private' }, { name: 'big.bin', data: Buffer.alloc(1024 * 1024 + 1) }),
      });
      expect(big.statusCode).toBe(413);
      expect(big.json().error_msg).toBe('a file may have at most 1048576 bytes; big.bin has 1048577');
      // A description UpdateKeystore could not send back is refused at upload too.
      const described = await kiln.call(bob, {
        method: 'POST',
        url: '/v2/keystore/upload',
        ...formBody({ privacy: 'private', description: 'd'.repeat(1025) }, { name: 'wordy.jks', data: 'x' }),
      });
      expect(described.statusCode).toBe(400);
      expect(described.json().error_msg).toBe('description must be at most 1024 characters (it has 1025)');
      const empty = await kiln.call(bob, {
        method: 'POST',
        url: '/v2/keystore/upload',
        ...formBody({ privacy: 'private' }, { name: 'empty.jks', data: '' }),
      });
      expect(empty.json()).toEqual({
        error_code: 'CB.00060212',
        error_msg: 'empty.jks is empty: a file must have at least one byte',
      });
      expect(empty.statusCode).toBe(400);
      const cases: [Parameters<typeof formBody>, number, RegExp][] = [
        [[{ privacy: 'private' }], 400, /the form has no file/],
        [[{ privacy: 'secret' }, { name: 'a.txt', data: 'x' }], 400, /privacy must be "public".*"private"/],
        [[{ privacy: 'private' }, { name: 'my key.jks', data: 'x' }], 400, /may hold only letters/],
        [[{ privacy: 'private' }, { name: '.gitconfig', data: 'x' }], 400, /cannot be a file name/],
      ];
      for (const [args, status, message] of cases) {
        const res = await kiln.call(bob, {
          method: 'POST',
          url: '/v2/keystore/upload',
          ...formBody(...args),
        });
        expect(res.statusCode, res.body).toBe(status);
        expect(res.json().error_msg).toMatch(message);
      }
      const broken = await kiln.call(bob, {
        method: 'POST',
        url: '/v2/keystore/upload',
        payload: 'not a form',
        headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      });
      expect(broken.statusCode).toBe(400);
      expect(broken.json().error_msg).toMatch(/^the form could not be read/);
      const json = await kiln.call(bob, {
        method: 'POST',
        url: '/v2/keystore/upload',
        payload: { file: 'x', privacy: 'private' },
      });
      expect(json.statusCode).toBe(415);
      expect(json.json().error_msg).toBe('unsupported Content-Type; send multipart/form-data');
      const a = await uploadFile(kiln, bob, 'one.txt', '1');
      await uploadFile(kiln, bob, 'two.txt', '2');
      const clash = await kiln.call(bob, {
        method: 'POST',
        url: `/v2/keystore/update/${a}`,
        payload: { id: a, keystore_name: 'two.txt', description: '', share: 0 },
      });
      expect(clash.statusCode).toBe(409);
      expect(clash.json().error_msg).toBe('the domain has another file named two.txt');
    });

    it("keeps domains apart: another domain's files are not found", async () => {
      const id = await uploadFile(kiln, bob, 'apart.txt', 'x', 'public');
      await createDomain(kiln, admin, 'elsewhere', 'root', 'root-password-1');
      const root = await tokenOf(kiln, { name: 'root', password: 'root-password-1', domain: 'elsewhere' });
      expect((await list(root)).result).toEqual({ keystore_list: [], total: 0 });
      expect((await download(root, 'apart.txt', id)).statusCode).toBe(404);
      const show = await kiln.call(root, {
        method: 'GET',
        url: `/v2/keystore/permission/${id}/query?page=1`,
      });
      expect(show.statusCode).toBe(404);
    });
  });
});
