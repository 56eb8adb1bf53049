/** The statement guard: one read-only statement, quotes and comments respected. */
import t, { type Test } from 'tap'
import { checkReadOnly, SqlGuardError, type Dialect } from '../src/sql-guard.ts'

const both: Dialect[] = ['sqlite', 'postgres']

function allowed (t: Test, dialects: Dialect[], cases: string[]): void {
  for (const dialect of dialects) {
    for (const sql of cases) t.doesNotThrow(() => checkReadOnly(sql, dialect), `${dialect}: ${sql}`)
  }
}

function refused (t: Test, dialects: Dialect[], cases: Array<[string, RegExp]>): void {
  for (const dialect of dialects) {
    for (const [sql, message] of cases) {
      t.throws(() => checkReadOnly(sql, dialect), message, `${dialect}: ${sql}`)
      try { checkReadOnly(sql, dialect) } catch (error) { t.type(error, SqlGuardError) }
    }
  }
}

t.test('reads are allowed', async (t) => {
  allowed(t, both, [
    'select 1',
    'SELECT * FROM customers WHERE id = 1;',
    '  select 1 ;; ',
    'values (1), (2)',
    '(select 1) union (select 2)',
    'with x as (select 1 as a) select * from x',
    'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) SELECT * FROM n',
    'with a as (select 1), b as materialized (select 2) select * from a, b',
    'with a as not materialized (select 1) select * from a',
    'explain select 1',
    '-- a comment\nselect 1 -- trailing; comment',
    '/* block; comment */ select 1 /* and ; another */',
    "select 'it''s; fine' as a",
    'select "weird;name" from t',
    'select 1 as "delete"',
    "select 'drop table x; --' || name from t"
  ])
  allowed(t, ['sqlite'], [
    'explain query plan select * from orders',
    'pragma table_info(orders)',
    'PRAGMA main.table_info("orders")',
    'pragma user_version',
    'pragma foreign_key_list(order_items)',
    'select [odd;name] from t',
    'select `odd;name` from t',
    "select * from pragma_table_info('orders')",
    'select $name, :x, @y, ?1, ?'
  ])
  allowed(t, ['postgres'], [
    'table customers',
    'show statement_timeout',
    'explain analyze select 1',
    'explain (analyze, format json) select 1',
    'explain (select 1)',
    'select $$a;b$$, $tag$ ; $$ ; $tag$',
    "select E'it\\'s; fine'",
    'select /* outer /* nested ; */ still comment ; */ 1',
    'select $1::int + $2',
    'select x::text from t',
    'with recursive t(n) as (select 1 union all select n + 1 from t where n < 5) search depth first by n set ord select * from t',
    'with x as (delete from t returning *) select * from x'
  ])
})

t.test('writes and other statements are refused, naming what was found', async (t) => {
  refused(t, both, [
    ['insert into t values (1)', /INSERT statement is not allowed/],
    ['UPDATE t SET a = 1', /UPDATE statement is not allowed/],
    ['delete from t', /DELETE statement is not allowed/],
    ['drop table customers', /DROP statement is not allowed/],
    ['create table x (a int)', /CREATE statement is not allowed/],
    ['alter table x add column b int', /ALTER statement is not allowed/],
    ['begin', /BEGIN statement is not allowed/],
    ['with x as (select 1) delete from t', /DELETE statement is not allowed/],
    ['with x as (select 1) insert into t select * from x', /INSERT statement is not allowed/],
    ['explain delete from t', /DELETE statement is not allowed/],
    ['(delete from t)', /DELETE statement is not allowed/]
  ])
  refused(t, ['sqlite'], [
    ["attach database 'x.db' as x", /ATTACH statement is not allowed/],
    ['detach x', /DETACH statement is not allowed/],
    ['vacuum', /VACUUM statement is not allowed/],
    ['replace into t values (1)', /REPLACE statement is not allowed/],
    ['pragma query_only = 0', /only reading pragmas/],
    ['pragma query_only(0)', /only reading pragmas/],
    ['PRAGMA writable_schema = ON', /only reading pragmas/],
    ['pragma journal_mode', /only reading pragmas/],
    ['table customers', /TABLE statement is not allowed/]
  ])
  refused(t, ['postgres'], [
    ["copy t to '/tmp/x'", /COPY statement is not allowed/],
    ['explain analyze delete from t', /DELETE statement is not allowed/],
    ['explain (analyze) update t set a = 1', /UPDATE statement is not allowed/],
    ['set statement_timeout = 0', /SET statement is not allowed/],
    ['select * into newtable from t', /SELECT … INTO creates a table/],
    ['merge into t using s on t.id = s.id when matched then delete', /MERGE statement is not allowed/],
    ['call proc()', /CALL statement is not allowed/],
    ['pragma table_info(t)', /PRAGMA statement is not allowed/]
  ])
})

t.test('several statements are refused, however they are hidden', async (t) => {
  refused(t, both, [
    ['select 1; drop table x', /one statement per call: this text has 2 statements/],
    ['select 1; select 2', /2 statements/],
    ["select ';'; select 2 -- ;", /2 statements/],
    ['select 1 /* ; */; select 2', /2 statements/]
  ])
  refused(t, ['postgres'], [
    ['select $$;$$; select 2', /2 statements/],
    ["select E'\\';'; select 2", /2 statements/]
  ])
})

t.test('empty and malformed text is refused clearly', async (t) => {
  refused(t, both, [
    ['', /The query is empty/],
    ['  ;  -- nothing', /The query is empty/],
    ["select 'unterminated", /Unterminated string literal starting at position 8/],
    ['select "x', /Unterminated quoted identifier/],
    ['with x as select 1', /Expected a parenthesised query/],
    ['42', /must start with a keyword such as SELECT, not "42"/]
  ])
  refused(t, ['postgres'], [
    ['select 1 /* open', /Unterminated \/\* comment/],
    ['select $a$ text', /Unterminated dollar-quoted string/]
  ])
})

t.test('the statement comes back without trailing semicolons and comments', async (t) => {
  t.equal(checkReadOnly('  select 1 ;  -- done\n', 'sqlite'), 'select 1')
  t.equal(checkReadOnly('/* lead */ select 2;;', 'postgres'), 'select 2')
})
