/**
 * One SQLite engine in a child process: `node:sqlite` runs a statement
 * synchronously to its end and cannot be interrupted from another thread, so
 * it lives in a process of its own that the driver can kill (SIGKILL) when a
 * statement runs too long, is cancelled, or uses too much memory. The file
 * (argv[2]) is opened read-only (sqlite-engine.ts); answers go back over IPC.
 */
import type { DatabaseSync } from 'node:sqlite'
import type { QueryResult } from '../driver.ts'
import { describeTable, listTables } from './sqlite-catalog.ts'
import { openReadOnly, rowObjects, runQuery, sqliteVersion } from './sqlite-engine.ts'
import type { ChildRequest, ChildResponse, ChildStatus } from './sqlite-protocol.ts'

/** `gc`, exposed by the driver's `--expose-gc`. */
const collectGarbage = (globalThis as { gc?: () => void }).gc

const send = (message: ChildStatus | ChildResponse): void => { process.send?.(message) }

function handle (db: DatabaseSync, request: ChildRequest): ChildResponse {
  try {
    const rows = (sql: string, params?: Array<string | number>) => rowObjects(db, sql, params)
    switch (request.op) {
      case 'query':
        return { id: request.id, ok: true, result: runQuery(db, request.sql, request.params, request.maxRows, request.maxBytes) }
      case 'tables':
        return { id: request.id, ok: true, result: listTables(rows) }
      case 'describe':
        return { id: request.id, ok: true, result: describeTable(rows, request.table) ?? null }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return { id: request.id, ok: false, message, memory: /out of memory/i.test(message) }
  }
}

// The driver is gone (closed or crashed): nothing is left to answer.
process.on('disconnect', () => process.exit(0))

let db: DatabaseSync
try {
  db = openReadOnly(String(process.argv[2]))
  process.on('message', (request: ChildRequest) => {
    const response = handle(db, request)
    send(response)
    // A cut result may have read huge values (a 60 MB blob is copied out of SQLite before it can be measured):
    // free them now rather than at V8's leisure, so the process's RSS, which the watchdog reads, falls back.
    if (response.ok && request.op === 'query' && (response.result as QueryResult).truncated) collectGarbage?.()
  })
  send({ type: 'ready', sqliteVersion: sqliteVersion(db) })
} catch (error) {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
  process.disconnect()
}
