import { sql, type Kysely } from 'kysely';
import type { AppendOutcome, LogStore } from '../ports.ts';
import type { Database } from '../schema.ts';

const toBuffer = (d: Uint8Array): Buffer =>
  Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength);

/**
 * SQL LogStore: a build's log is its `log_chunks` in offset order, and `builds.log_size` is the
 * next offset. Appends must run inside a transaction: the size check-and-bump and the chunk insert
 * then commit together.
 */
export class SqlLogStore implements LogStore {
  constructor(private readonly db: Kysely<Database>) {}

  async append(
    recordId: string,
    offset: number,
    data: Uint8Array,
  ): Promise<{ outcome: AppendOutcome; size: number }> {
    if (data.length === 0) return { outcome: 'duplicate', size: await this.size(recordId) };
    // Compare-and-set on the size: only a chunk that starts exactly at the end is written, and
    // on PostgreSQL the row lock taken here orders concurrent appends to one build.
    const bumped = await this.db
      .updateTable('builds')
      .set({ log_size: sql`log_size + ${data.length}` })
      .where('id', '=', recordId)
      .where('log_size', '=', offset)
      .returning('log_size')
      .executeTakeFirst();
    if (bumped) {
      await this.db
        .insertInto('log_chunks')
        .values({ build_id: recordId, start_offset: offset, data: toBuffer(data) })
        .execute();
      return { outcome: 'appended', size: Number(bumped.log_size) };
    }
    const size = await this.size(recordId);
    return { outcome: offset + data.length <= size ? 'duplicate' : 'gap', size };
  }

  async appendAtEnd(recordId: string, data: Uint8Array): Promise<number> {
    const bumped = await this.db
      .updateTable('builds')
      .set({ log_size: sql`log_size + ${data.length}` })
      .where('id', '=', recordId)
      .returning('log_size')
      .executeTakeFirstOrThrow();
    const size = Number(bumped.log_size);
    await this.db
      .insertInto('log_chunks')
      .values({ build_id: recordId, start_offset: size - data.length, data: toBuffer(data) })
      .execute();
    return size;
  }

  async size(recordId: string): Promise<number> {
    const row = await this.db
      .selectFrom('builds')
      .select('log_size')
      .where('id', '=', recordId)
      .executeTakeFirst();
    return row ? Number(row.log_size) : 0;
  }

  async read(recordId: string, offset: number, length: number): Promise<Uint8Array> {
    if (length <= 0) return new Uint8Array(0);
    const end = offset + length;
    // The chunk holding `offset` starts at the greatest start_offset <= offset.
    const rows = await this.db
      .selectFrom('log_chunks')
      .select(['start_offset', 'data'])
      .where('build_id', '=', recordId)
      .where('start_offset', '<', end)
      .where(
        'start_offset',
        '>=',
        this.db
          .selectFrom('log_chunks')
          .select(sql<number>`coalesce(max(start_offset), 0)`.as('s'))
          .where('build_id', '=', recordId)
          .where('start_offset', '<=', offset),
      )
      .orderBy('start_offset')
      .execute();
    const parts: Buffer[] = [];
    for (const r of rows) {
      const start = Number(r.start_offset);
      const data = toBuffer(r.data);
      const from = Math.max(0, offset - start);
      const to = Math.min(data.length, end - start);
      if (to > from) parts.push(data.subarray(from, to));
    }
    return Buffer.concat(parts);
  }
}
