/**
 * The db plugin: read-only SQL for a model, over the embedded demo database
 * (SQLite through node:sqlite, the default), a SQLite file, or PostgreSQL.
 *
 * Tools: db_query, db_list_tables, db_describe_table. Resource template:
 * db://tables/{table} (a table's schema, with completion on the name).
 * Prompt: db_explore. The driver opens at plugin start (a database that is
 * down fails the start with a clear error) and closes with the server.
 */
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify'
import { asToolError, ToolError } from '@mcp-platform/server'
import { Admission } from './admission.ts'
import { describeTarget, resolveConfig, type DbOptions } from './config.ts'
import { formatTableDescription, formatTableList } from './describe.ts'
import { DbError } from './driver.ts'
import { formatTable } from './format.ts'
import { openDriver } from './open-driver.ts'
import {
  DescribeTableInput, DescribeTableOutput, ExploreArguments, ListTablesInput, ListTablesOutput, QueryInput, QueryOutput
} from './schemas.ts'
import { checkReadOnly, SqlGuardError, type Dialect } from './sql-guard.ts'

export type { DbOptions } from './config.ts'

const annotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false }
/** The host's own handler timeout must fire after ours, so that callers read the clearer statement-timeout error. */
const TOOL_TIMEOUT_MARGIN_MS = 10_000
/** The admission key of completion lookups, which have no calling context. */
const COMPLETION_CLIENT = 'db:completion'

const db: FastifyPluginAsync<DbOptions> = async (app, opts) => {
  const config = resolveConfig(opts)
  const driver = await openDriver(config, app.log)
  app.addHook('onClose', async () => await driver.close())
  app.log.info({ driver: driver.kind, dialect: driver.dialect }, `db: serving ${describeTarget(config.target)}`)

  const dialect: Dialect = driver.kind === 'postgres' ? 'postgres' : 'sqlite'
  // Queue wait and statement time are separate limits, each with its own error; the host's limit covers both.
  const timeoutMs = config.queueTimeoutMs + config.statementTimeoutMs + TOOL_TIMEOUT_MARGIN_MS
  const admission = new Admission({
    slots: config.poolSize, maxQueue: config.maxQueue, queueTimeoutMs: config.queueTimeoutMs, maxPerClient: config.maxConcurrentPerClient
  })
  /** Every use of the database goes through the admission queue, counted against the calling client. */
  const use = <T>(client: string, signal: AbortSignal | undefined, work: (signal: AbortSignal | undefined) => Promise<T>, logger?: FastifyBaseLogger): Promise<T> =>
    asToolError(() => admission.run(client, signal, () => work(signal)), DbError, logger !== undefined ? reportOutage(logger) : undefined)
  // Completion has no ctx: its table lookups count against one shared key, so they cannot crowd out the pool either.
  const tableNames = async (): Promise<string[]> =>
    (await use(COMPLETION_CLIENT, AbortSignal.timeout(config.queueTimeoutMs + config.statementTimeoutMs), (signal) => driver.listTables({ signal }))).map((t) => t.name)
  /** Completion is a hint: a busy or unreachable database suggests nothing rather than failing the request. */
  const suggest = async (value: string): Promise<string[]> => matching(await tableNames().catch(() => []), value)

  app.mcp.tool({
    name: 'db_query',
    title: 'Run a read-only SQL query',
    description: queryDescription(driver.dialect, dialect, config.maxRows, config.statementTimeoutMs),
    input: QueryInput,
    output: QueryOutput,
    annotations: { title: 'Run a read-only SQL query', ...annotations },
    timeoutMs,
    // A slow query becomes a task (clients with the tasks extension): they poll instead of holding the request open.
    taskSupport: 'optional',
    async handler ({ sql, params }, ctx) {
      const statement = guard(sql, dialect)
      const result = await use(ctx.client, ctx.signal, (signal) => driver.query(statement, params ?? [], {
        signal, maxRows: config.maxRows, maxBytes: config.maxResultBytes, timeoutMs: config.statementTimeoutMs
      }), ctx.logger)
      return { text: formatTable(result.columns, result.rows, result.truncated, config.maxRows), structuredContent: result }
    }
  })

  app.mcp.tool({
    name: 'db_list_tables',
    title: 'List tables',
    description: `List the tables and views of the ${driver.dialect} database.` +
      (dialect === 'postgres' ? ' Tables outside the public schema are named schema.table.' : ''),
    input: ListTablesInput,
    output: ListTablesOutput,
    annotations: { title: 'List tables', ...annotations },
    timeoutMs,
    async handler (_args, ctx) {
      const tables = await use(ctx.client, ctx.signal, (signal) => driver.listTables({ signal }), ctx.logger)
      return { text: formatTableList(tables), structuredContent: { dialect: driver.dialect, tables } }
    }
  })

  app.mcp.tool({
    name: 'db_describe_table',
    title: 'Describe a table',
    description: `Show a table's or view's columns (${driver.dialect} types), primary key, foreign keys and indexes.`,
    input: DescribeTableInput,
    output: DescribeTableOutput,
    annotations: { title: 'Describe a table', ...annotations },
    timeoutMs,
    async handler ({ table }, ctx) {
      const found = await use(ctx.client, ctx.signal, (signal) => driver.describeTable(table, { signal }), ctx.logger)
      if (found === undefined) throw await noSuchTable(tableNames, table)
      return { text: formatTableDescription(found, driver.dialect), structuredContent: found }
    }
  })

  app.mcp.resourceTemplate({
    uriTemplate: 'db://tables/{table}',
    name: 'table-schema',
    title: 'Table schema',
    description: `The columns, keys and indexes of a table or view in the ${driver.dialect} database.`,
    mimeType: 'text/plain',
    complete: { table: suggest },
    async read (_uri, { table }, ctx) {
      const found = await use(ctx.client, ctx.signal, (signal) => driver.describeTable(table, { signal }), ctx.logger)
      if (found === undefined) throw await noSuchTable(tableNames, table)
      return { text: formatTableDescription(found, driver.dialect), mimeType: 'text/plain' }
    }
  })

  app.mcp.prompt({
    name: 'db_explore',
    title: 'Explore the database',
    description: 'Start exploring the database: what it holds, its tables and how they relate, optionally around a topic.',
    arguments: ExploreArguments,
    complete: { topic: suggest },
    async handler ({ topic }, ctx) {
      const tables = await use(ctx.client, ctx.signal, (signal) => driver.listTables({ signal }), ctx.logger)
      return {
        description: `Explore the ${driver.dialect} database`,
        messages: [{ role: 'user', content: { type: 'text', text: explorePrompt(driver.dialect, formatTableList(tables), config.maxRows, topic) } }]
      }
    }
  })
}

function queryDescription (name: string, dialect: Dialect, maxRows: number, timeoutMs: number): string {
  const specifics = dialect === 'postgres'
    ? 'PostgreSQL syntax: parameters $1, $2, …; ILIKE, date_trunc(), ::casts; tables outside public as schema.table. Allowed: SELECT, WITH … SELECT, VALUES, TABLE, SHOW, EXPLAIN.'
    : 'SQLite syntax: parameters ? (or ?1, ?2, …); || concatenates; dates are text, use date(), strftime(); no ILIKE (LIKE ignores ASCII case). Allowed: SELECT, WITH … SELECT, VALUES, EXPLAIN [QUERY PLAN], PRAGMA table_info(t).'
  return `Run one read-only SQL query on the ${name} database and get its rows as a text table and as JSON. ${specifics} ` +
    `One statement per call; writes are refused. At most ${maxRows} rows come back (truncated: true says there were more), ` +
    `and a query is stopped after ${timeoutMs} ms. Learn the schema first with db_list_tables and db_describe_table.`
}

function explorePrompt (dialect: string, tables: string, maxRows: number, topic: string | undefined): string {
  return [
    `You have read-only access to a ${dialect} database through three tools: db_list_tables, db_describe_table and ` +
    `db_query (one ${dialect.split(' ')[0]} SELECT per call, at most ${maxRows} rows). Its tables and views:`,
    '',
    tables,
    '',
    topic !== undefined && topic.trim() !== ''
      ? `I want to find out: ${topic.trim()}`
      : 'Give me an overview of what this database holds and what questions it can answer.',
    '',
    'Start with db_describe_table on the tables that look relevant, follow their foreign keys to see how they join, ' +
    'then run small queries (counts, a few sample rows with LIMIT) before bigger ones. ' +
    'Explain what you find in plain words and show the SQL you ran.'
  ].join('\n')
}

/** Prefix matches first, then the names that merely contain the value; case does not matter. */
function matching (names: string[], value: string): string[] {
  const v = value.toLowerCase()
  return [...names.filter((n) => n.toLowerCase().startsWith(v)), ...names.filter((n) => !n.toLowerCase().startsWith(v) && n.toLowerCase().includes(v))]
}

function guard (sql: string, dialect: Dialect): string {
  try {
    return checkReadOnly(sql, dialect)
  } catch (error) {
    if (error instanceof SqlGuardError) throw new ToolError(error.message)
    throw error
  }
}

async function noSuchTable (tableNames: () => Promise<string[]>, table: string): Promise<ToolError> {
  const names = await tableNames().catch(() => [])
  return new ToolError(`There is no table or view named "${table}".${names.length > 0 ? ` Tables: ${names.join(', ')}.` : ''}`)
}

/** The operator hears about the failures that are not the query's fault; the caller reads every one. */
function reportOutage (logger: FastifyBaseLogger) {
  return (error: DbError) => {
    if (error.code === 'unavailable' || error.code === 'memory') logger.warn({ code: error.code, err: error.message }, 'db: query failed')
  }
}

export default db
