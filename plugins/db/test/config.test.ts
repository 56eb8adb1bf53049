/** Options and DATABASE_URL: which driver, which limits, and no password in sight. */
import t from 'tap'
import { describeTarget, parseTarget, redactUrl, resolveConfig } from '../src/config.ts'

t.test('the URL picks the driver; options win over the environment', async (t) => {
  t.same(resolveConfig({ env: {} }).target, { kind: 'embedded' }, 'nothing set: embedded')
  t.same(resolveConfig({ env: { DATABASE_URL: '' } }).target, { kind: 'embedded' }, 'empty: embedded')
  t.same(resolveConfig({ env: { DATABASE_URL: 'postgres://u@h/db' } }).target, { kind: 'postgres', url: 'postgres://u@h/db' })
  t.same(resolveConfig({ url: 'sqlite:/a.db', env: { DATABASE_URL: 'postgres://u@h/db' } }).target, { kind: 'sqlite-file', path: '/a.db' })
  t.same(parseTarget('postgresql://u@h/db'), { kind: 'postgres', url: 'postgresql://u@h/db' })
  t.same(parseTarget('sqlite:///var/data/shop.db'), { kind: 'sqlite-file', path: '/var/data/shop.db' })
  t.same(parseTarget('file:///var/data/my%20shop.db'), { kind: 'sqlite-file', path: '/var/data/my shop.db' })
  t.same(parseTarget('file:/var/data/shop.db'), { kind: 'sqlite-file', path: '/var/data/shop.db' })
  t.same(parseTarget('sqlite:data/shop.db'), { kind: 'sqlite-file', path: `${process.cwd()}/data/shop.db` }, 'relative to the working directory')
  t.throws(() => parseTarget('mysql://u:pw@h/db'), /Unsupported database URL mysql:\/\/u:\*\*\*@h\/db: use postgres:/)
  t.throws(() => parseTarget('sqlite:'), /names no file/)
})

t.test('limits have defaults, read the environment, and must be positive integers', async (t) => {
  t.same(resolveConfig({ env: {} }), {
    target: { kind: 'embedded' },
    statementTimeoutMs: 5000,
    maxRows: 100,
    maxResultBytes: 1_048_576,
    poolSize: 4,
    maxQueue: 32,
    queueTimeoutMs: 5000,
    maxConcurrentPerClient: 2,
    memoryLimitMb: 256,
    connectTimeoutMs: 5000
  })
  t.equal(resolveConfig({ url: 'postgres://h/db', env: {} }).poolSize, 5, 'PostgreSQL pools 5 by default')
  const fromEnv = resolveConfig({
    env: {
      DB_STATEMENT_TIMEOUT_MS: '250',
      DB_MAX_ROWS: '7',
      DB_MAX_RESULT_BYTES: '4096',
      DB_POOL_SIZE: '3',
      DB_MAX_QUEUE: '9',
      DB_QUEUE_TIMEOUT_MS: '1200',
      DB_MAX_CONCURRENT_PER_CLIENT: '1',
      DB_MEMORY_LIMIT_MB: '32',
      DB_CONNECT_TIMEOUT_MS: '900'
    }
  })
  t.match(fromEnv, {
    statementTimeoutMs: 250, maxRows: 7, maxResultBytes: 4096, poolSize: 3, maxQueue: 9, queueTimeoutMs: 1200, maxConcurrentPerClient: 1, memoryLimitMb: 32, connectTimeoutMs: 900
  })
  t.equal(resolveConfig({ maxRows: 3, env: { DB_MAX_ROWS: '7' } }).maxRows, 3, 'the option wins')
  t.throws(() => resolveConfig({ env: { DB_MAX_ROWS: 'lots' } }), /DB_MAX_ROWS must be a positive integer, got "lots"/)
  t.throws(() => resolveConfig({ statementTimeoutMs: 0, env: {} }), /option statementTimeoutMs must be a positive integer/)
})

t.test('passwords are redacted wherever a URL is shown', async (t) => {
  t.equal(redactUrl('postgres://app:s3cret@db.local:5432/shop'), 'postgres://app:***@db.local:5432/shop')
  t.equal(redactUrl('postgres://app:p@ss@db.local/shop'), 'postgres://app:***@db.local/shop', "an unencoded '@' in the password")
  t.equal(redactUrl('postgres://app@db.local/shop?sslmode=require&password=s3cret'), 'postgres://app@db.local/shop?sslmode=require&password=***')
  t.equal(redactUrl('postgres://db.local/shop'), 'postgres://db.local/shop')
  t.equal(describeTarget({ kind: 'postgres', url: 'postgres://app:s3cret@h/db' }), 'PostgreSQL at postgres://app:***@h/db')
})
