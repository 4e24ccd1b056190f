import type { Static, TSchema } from 'typebox';
import type { OperationId, operations } from './operations.ts';

type Ops = typeof operations;

/** The static type of one request part of an operation (undefined when it has none). */
export type PartOf<K extends OperationId, P extends 'params' | 'query' | 'body' | 'headers'> =
  Ops[K] extends Record<P, infer S> ? (S extends TSchema ? Static<S> : undefined) : undefined;

/** The body type of an operation's success answer. */
export type ResponseOf<K extends OperationId> = {
  [S in keyof Ops[K]['response']]: Ops[K]['response'][S] extends TSchema
    ? Static<Ops[K]['response'][S]>
    : void;
}[keyof Ops[K]['response']];

/** A part may be left out when it is absent or every field of it is optional. */
type Omittable<V> = undefined extends V ? true : Partial<V> extends V ? true : false;
type Optionalize<T> = { [K in keyof T as Omittable<T[K]> extends true ? never : K]: T[K] } & {
  [K in keyof T as Omittable<T[K]> extends true ? K : never]?: T[K];
};

/** What a client passes to call an operation: only the parts it has. */
export type InputOf<K extends OperationId> = Optionalize<{
  params: PartOf<K, 'params'>;
  query: PartOf<K, 'query'>;
  body: PartOf<K, 'body'>;
  headers: PartOf<K, 'headers'>;
}>;
