/**
 * SQL that starts with this comment may come back with rows as arrays of column values, in select
 * order, instead of objects: the SQLite adapter does that because building 100 wide row objects
 * costs more than running the query. Mappers of such queries accept both forms.
 */
export const ARRAY_ROWS = '/* rows: arrays */';
