import { Type } from 'typebox';
import { MAX_KEYSTORE_DESCRIPTION } from '../domain/keystore.ts';
import { Envelope, Id32, WireInt } from './common.ts';

/** The file manager (A.9 and DownloadKeystore of A.1): CodeArts' keystore operations. */

const Rights = {
  setting: Type.Boolean({ description: 'May change who may do what with the file' }),
  delete: Type.Boolean(),
  modify: Type.Boolean({
    description: 'May rename, describe and replace the file, and share it when also allowed to use it',
  }),
  usage: Type.Boolean({ description: 'May use it in builds (download_file) and download it' }),
};

/** UploadKeystore answer. */
export const UploadedKeystore = Envelope(Type.Object({ keystore_id: Type.String() }));

/** The multipart/form-data fields of UploadKeystore, as parsed (described in the OpenAPI document). */
export interface UploadForm {
  file?: { filename: string; data: Uint8Array };
  fields: Record<string, string>;
}

export const ListKeystoreSearchQuery = Type.Object({
  page_size: Type.Optional(WireInt({ minimum: 1, maximum: 100, default: 10 })),
  page: Type.Optional(WireInt({ minimum: 1, maximum: 1_000_000, default: 1 })),
  search: Type.Optional(Type.String({ maxLength: 128 })),
});

export const KeystoreList = Envelope(
  Type.Object({
    keystore_list: Type.Array(
      Type.Object({
        id: Type.String(),
        permission: Type.Object({ keystore_id: Type.String(), ...Rights }),
        create_time_stamp: Type.String({ description: 'Epoch seconds' }),
        update_time_stamp: Type.String({ description: 'Epoch seconds' }),
        domain_id: Type.String(),
        domain_name: Type.String(),
        keystore_name: Type.String(),
        create_user_id: Type.String(),
        create_user_name: Type.String(),
        update_user_id: Type.String(),
        update_user_name: Type.String(),
        share: Type.Number({ description: '1: every user of the domain may use it' }),
        create_time: Type.String({ description: "yyyy-M-d HH:mm in the server's zone" }),
        update_time: Type.String(),
        description: Type.String(),
        size: Type.Integer({ description: 'Bytes (Kiln)' }),
        sha256: Type.String({ description: 'Of the content (Kiln)' }),
      }),
    ),
    total: Type.Integer(),
  }),
);

/** ListKeystore answer: the files the caller may use. */
export const UsableKeystores = Type.Object({
  result: Type.Array(Type.Object({ id: Type.String(), keystore_name: Type.String() })),
  status: Type.String(),
});

export const KeystoreIdParams = Type.Object({ keystore_id: Id32('The file') });
export const KeystoreUpdateParams = Type.Object({ id: Id32('The file') });
export const PermissionIdParams = Type.Object({ permission_id: Type.String({ maxLength: 64 }) });

export const UpdateKeystoreBody = Type.Object({
  id: Type.String({ maxLength: 64 }),
  description: Type.String({ maxLength: MAX_KEYSTORE_DESCRIPTION }),
  keystore_name: Type.String({ maxLength: 128 }),
  share: Type.Integer({ minimum: 0, maximum: 1 }),
});

export const KeystoreStatus = Type.Object({
  error: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
});

export const AddPermissionBody = Type.Object({
  keystore_id: Id32('The file'),
  user_id: Type.String({ maxLength: 64 }),
  user_name: Type.String({ maxLength: 64 }),
  can_absent: Type.Boolean(),
  ...Rights,
});

export const UpdatePermissionBody = Type.Object({
  id: Type.String({ maxLength: 64, description: 'The permission' }),
  keystore_id: Id32('The file'),
  user_name: Type.String({ maxLength: 64 }),
  can_absent: Type.Optional(Type.Boolean()),
  delete: Rights.delete,
  modify: Rights.modify,
  usage: Rights.usage,
});

/** Answers whose `result` is a string (a permission's id, or ''). */
export const StringResult = Envelope(Type.Union([Type.String(), Type.Null()]));

export const PermissionQuery = Type.Object({
  page_size: Type.Optional(WireInt({ minimum: 0, maximum: 100, default: 0 })),
  page: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,6}$', default: '1' })),
});

export const PermissionList = Envelope(
  Type.Object({
    total: Type.Integer(),
    permission_list: Type.Array(
      Type.Object({
        id: Type.String(),
        keystore_id: Type.String(),
        user_name: Type.String(),
        is_creator: Type.Boolean(),
        can_absent: Type.Boolean(),
        ...Rights,
      }),
    ),
  }),
);

export const DownloadByNameQuery = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  domain_id: Type.String({ maxLength: 64 }),
  id: Type.String({ maxLength: 64 }),
});

export const DownloadKeystoreQuery = Type.Object({
  file_name: Type.String({ minLength: 1, maxLength: 500 }),
  domain_id: Id32("The caller's domain"),
});
