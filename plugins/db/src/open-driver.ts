/** Picks and opens the driver for a resolved config; a failure says which database and why. */
import { describeTarget, type DbConfig } from './config.ts'
import type { Driver } from './driver.ts'
import { SqliteDriver } from './drivers/sqlite.ts'
import { loadMigrations } from './migrations.ts'

export interface DriverLogger { warn: (obj: object, msg: string) => void }

export async function openDriver (config: DbConfig, logger?: DriverLogger): Promise<Driver> {
  const { target } = config
  if (target.kind === 'postgres') {
    // Loaded here: `pg` stays out of servers on SQLite (start-up time).
    const { PostgresDriver } = await import('./drivers/postgres.ts')
    return await PostgresDriver.open({
      url: target.url,
      poolSize: config.poolSize,
      connectTimeoutMs: config.connectTimeoutMs,
      timeoutMs: config.statementTimeoutMs,
      logger
    })
  }
  try {
    return await SqliteDriver.open({
      source: target.kind === 'embedded' ? { kind: 'embedded', migrations: loadMigrations() } : target,
      poolSize: config.poolSize,
      memoryLimitMb: config.memoryLimitMb,
      timeoutMs: config.statementTimeoutMs,
      logger
    })
  } catch (error) {
    throw new Error(`Cannot open ${describeTarget(target)}: ${(error as Error).message}`, { cause: error })
  }
}
