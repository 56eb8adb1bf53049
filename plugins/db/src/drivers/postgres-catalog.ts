/**
 * Tables and their schemas, read from PostgreSQL's system catalogs. Tables in
 * `public` are named bare, others as `schema.table`, the way a query would
 * name them with the default search_path.
 */
import type pg from 'pg'
import type { TableDescription, TableSummary } from '../driver.ts'

const RELATIONS = "c.relkind in ('r', 'p', 'v', 'm', 'f') and n.nspname not in ('information_schema') and n.nspname not like 'pg\\_%'"
const QUALIFIED = "case when n.nspname = 'public' then c.relname::text else n.nspname || '.' || c.relname end"

export async function listTables (client: pg.ClientBase): Promise<TableSummary[]> {
  const { rows } = await client.query<{ name: string, kind: string }>(
    `select ${QUALIFIED} as name, c.relkind as kind
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where ${RELATIONS} order by 1`)
  return rows.map((row) => ({ name: row.name, type: ['v', 'm'].includes(row.kind) ? 'view' : 'table' }))
}

export async function describeTable (client: pg.ClientBase, name: string): Promise<TableDescription | undefined> {
  const dot = name.indexOf('.')
  const [schema, table] = dot === -1 ? ['public', name] : [name.slice(0, dot), name.slice(dot + 1)]
  // The exact spelling first, then folded to lower case as unquoted SQL names are.
  const { rows: [found] } = await client.query<{ oid: number, name: string, kind: string }>(
    `select c.oid, ${QUALIFIED} as name, c.relkind as kind
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where ${RELATIONS} and ((n.nspname = $1 and c.relname = $2) or (n.nspname = lower($1) and c.relname = lower($2)))
     order by (c.relname = $2) desc limit 1`, [schema, table])
  if (found === undefined) return undefined

  const columns = await client.query<{ name: string, type: string, nullable: boolean, default: string | null, pk: number }>(
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, not a.attnotnull as nullable,
            pg_get_expr(d.adbin, d.adrelid) as default,
            coalesce((select k.ord from unnest(i.indkey::int2[]) with ordinality k(attnum, ord) where k.attnum = a.attnum), 0) as pk
     from pg_attribute a
     left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     left join pg_index i on i.indrelid = a.attrelid and i.indisprimary
     where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped
     order by a.attnum`, [found.oid])
  const foreignKeys = await client.query<{ columns: string[], referenced_table: string, referenced_columns: string[] }>(
    `select (select array_agg(a.attname::text order by k.ord) from unnest(con.conkey) with ordinality k(attnum, ord)
             join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum) as columns,
            case when fn.nspname = 'public' then f.relname::text else fn.nspname || '.' || f.relname end as referenced_table,
            (select array_agg(a.attname::text order by k.ord) from unnest(con.confkey) with ordinality k(attnum, ord)
             join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum) as referenced_columns
     from pg_constraint con
     join pg_class f on f.oid = con.confrelid join pg_namespace fn on fn.oid = f.relnamespace
     where con.conrelid = $1 and con.contype = 'f'
     order by con.conname`, [found.oid])
  const indexes = await client.query<{ name: string, unique: boolean, columns: string[] }>(
    `select ic.relname::text as name, i.indisunique as unique,
            (select array_agg(coalesce(a.attname::text, pg_get_indexdef(i.indexrelid, k.ord::int, true)) order by k.ord)
             from unnest(i.indkey::int2[]) with ordinality k(attnum, ord)
             left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum and k.attnum > 0) as columns
     from pg_index i join pg_class ic on ic.oid = i.indexrelid
     where i.indrelid = $1
     order by ic.relname`, [found.oid])

  return {
    name: found.name,
    type: ['v', 'm'].includes(found.kind) ? 'view' : 'table',
    columns: columns.rows.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable, default: c.default, primaryKey: Number(c.pk) })),
    foreignKeys: foreignKeys.rows.map((k) => ({ columns: k.columns, referencedTable: k.referenced_table, referencedColumns: k.referenced_columns })),
    indexes: indexes.rows
  }
}
