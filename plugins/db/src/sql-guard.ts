/**
 * The statement guard: a small tokenizer that knows where strings, quoted
 * identifiers and comments begin and end, so it can count statements and read
 * each one's leading keywords. It lets through one read-only statement
 * (SELECT, WITH … SELECT, VALUES, TABLE, SHOW, EXPLAIN of those, and a few
 * reading PRAGMAs on SQLite) and refuses everything else with a message a
 * model can act on.
 *
 * It is the first line only: the engines' read-only modes (a READ ONLY
 * transaction on PostgreSQL, `PRAGMA query_only` on SQLite) are the real
 * guarantee, and catch what a keyword check cannot see, such as a write
 * inside a CTE or a function that writes.
 */

export type Dialect = 'sqlite' | 'postgres'

export class SqlGuardError extends Error {
  override name = 'SqlGuardError'
}

interface Token {
  /** `word`: keyword or bare identifier (upper-cased in `value`); `ident`: a quoted identifier. */
  type: 'word' | 'ident' | 'string' | 'number' | 'param' | 'punct' | 'semicolon'
  value: string
}

const READ_STATEMENTS = ['SELECT', 'VALUES']
const POSTGRES_READ_STATEMENTS = ['TABLE', 'SHOW']
/** Statement keywords that may follow a CTE list (writes included, so that the error names them). */
const STATEMENT_KEYWORDS = new Set(['SELECT', 'VALUES', 'TABLE', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'REPLACE'])

/** SQLite pragmas that only read, used bare: `PRAGMA user_version`. */
export const SQLITE_READ_PRAGMAS: ReadonlySet<string> = new Set([
  'application_id', 'collation_list', 'compile_options', 'data_version', 'database_list', 'encoding',
  'foreign_keys', 'freelist_count', 'function_list', 'module_list', 'page_count', 'page_size',
  'pragma_list', 'query_only', 'schema_version', 'table_list', 'user_version'
])
/** SQLite pragmas whose argument names a table or index, so the call form reads: `PRAGMA table_info(orders)`. */
export const SQLITE_TABLE_PRAGMAS: ReadonlySet<string> = new Set([
  'foreign_key_list', 'index_info', 'index_list', 'index_xinfo', 'table_info', 'table_list', 'table_xinfo'
])

/**
 * Checks that `sql` is exactly one read-only statement and returns it without
 * trailing semicolons; throws SqlGuardError otherwise.
 */
export function checkReadOnly (sql: string, dialect: Dialect): string {
  const statements = splitStatements(sql, dialect)
  if (statements.length === 0) throw new SqlGuardError('The query is empty: send one SELECT statement.')
  if (statements.length > 1) {
    throw new SqlGuardError(`Send one statement per call: this text has ${statements.length} statements separated by ';'.`)
  }
  const [{ tokens, text }] = statements
  checkStatement(tokens, dialect)
  return text
}

interface Statement { tokens: Token[], text: string }

/** Splits on top-level semicolons; statements made only of comments and blanks are dropped. */
export function splitStatements (sql: string, dialect: Dialect): Statement[] {
  const statements: Statement[] = []
  let tokens: Token[] = []
  let start = 0
  let end = 0
  for (const token of tokenize(sql, dialect)) {
    if (token.type === 'semicolon') {
      if (tokens.length > 0) statements.push({ tokens, text: sql.slice(start, end).trim() })
      tokens = []
      start = token.end
      continue
    }
    if (tokens.length === 0) start = token.start
    tokens.push(token)
    end = token.end
  }
  if (tokens.length > 0) statements.push({ tokens, text: sql.slice(start, end).trim() })
  return statements
}

function * tokenize (sql: string, dialect: Dialect): Generator<Token & { start: number, end: number }> {
  const pg = dialect === 'postgres'
  let i = 0
  while (i < sql.length) {
    const c = sql[i]
    const start = i
    if (/\s/.test(c)) { i++; continue }
    if (c === '-' && sql[i + 1] === '-') {
      const eol = sql.indexOf('\n', i)
      i = eol === -1 ? sql.length : eol + 1
      continue
    }
    if (c === '/' && sql[i + 1] === '*') { i = skipBlockComment(sql, i, pg); continue }
    if (c === "'") {
      // E'…' strings (PostgreSQL) use backslash escapes; every other string doubles its quote.
      const backslash = pg && /^[eE]$/.test(sql.slice(i - 1, i)) && !/[\w$]/.test(sql.slice(i - 2, i - 1))
      i = skipQuoted(sql, i, "'", backslash, 'string literal')
      yield { type: 'string', value: sql.slice(start, i), start, end: i }
      continue
    }
    if (c === '"' || (!pg && c === '`')) {
      i = skipQuoted(sql, i, c, false, 'quoted identifier')
      yield { type: 'ident', value: sql.slice(start + 1, i - 1).split(c + c).join(c), start, end: i }
      continue
    }
    if (!pg && c === '[') {
      const close = sql.indexOf(']', i + 1)
      if (close === -1) throw new SqlGuardError(`Unterminated [identifier] starting at position ${i + 1}.`)
      i = close + 1
      yield { type: 'ident', value: sql.slice(start + 1, i - 1), start, end: i }
      continue
    }
    if (c === '$' && pg) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))
      if (tag !== null) {
        const close = sql.indexOf(tag[0], i + tag[0].length)
        if (close === -1) throw new SqlGuardError(`Unterminated dollar-quoted string starting at position ${i + 1}.`)
        i = close + tag[0].length
        yield { type: 'string', value: sql.slice(start, i), start, end: i }
        continue
      }
    }
    if (c === ';') { i++; yield { type: 'semicolon', value: ';', start, end: i }; continue }
    const word = /^[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*/.exec(sql.slice(i, i + 256))
    if (word !== null) {
      i += word[0].length
      yield { type: 'word', value: word[0].toUpperCase(), start, end: i }
      continue
    }
    const param = /^(\$\d+|\?\d*|[:@$][A-Za-z_]\w*)/.exec(sql.slice(i, i + 256))
    if (param !== null) {
      i += param[0].length
      yield { type: 'param', value: param[0], start, end: i }
      continue
    }
    const number = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(sql.slice(i, i + 256))
    if (number !== null) {
      i += number[0].length
      yield { type: 'number', value: number[0], start, end: i }
      continue
    }
    i++
    yield { type: 'punct', value: c, start, end: i }
  }
}

/** Returns the index after the closing quote. */
function skipQuoted (sql: string, i: number, quote: string, backslash: boolean, what: string): number {
  let j = i + 1
  while (j < sql.length) {
    const c = sql[j]
    if (backslash && c === '\\') { j += 2; continue }
    if (c === quote) {
      if (sql[j + 1] === quote) { j += 2; continue }
      return j + 1
    }
    j++
  }
  throw new SqlGuardError(`Unterminated ${what} starting at position ${i + 1}.`)
}

/** PostgreSQL nests block comments; SQLite does not. */
function skipBlockComment (sql: string, i: number, nested: boolean): number {
  let depth = 0
  let j = i
  while (j < sql.length) {
    if (sql[j] === '/' && sql[j + 1] === '*') {
      depth = nested ? depth + 1 : 1
      j += 2
    } else if (sql[j] === '*' && sql[j + 1] === '/') {
      depth--
      j += 2
      if (depth === 0) return j
    } else {
      j++
    }
  }
  // SQLite ends an unterminated comment at the end of the text; PostgreSQL refuses it.
  if (nested) throw new SqlGuardError(`Unterminated /* comment starting at position ${i + 1}.`)
  return sql.length
}

function checkStatement (tokens: Token[], dialect: Dialect): void {
  const main = mainKeyword(tokens, 0, dialect)
  const allowed = dialect === 'postgres' ? [...READ_STATEMENTS, ...POSTGRES_READ_STATEMENTS] : READ_STATEMENTS
  if (main.keyword === 'PRAGMA' && dialect === 'sqlite') return checkPragma(tokens.slice(main.index))
  if (!allowed.includes(main.keyword)) {
    throw new SqlGuardError(
      `This tool is read-only: a ${main.keyword} statement is not allowed. ` +
      `Send one ${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)} statement (WITH … SELECT and EXPLAIN of those are fine too).`
    )
  }
  // PostgreSQL's SELECT … INTO creates a table.
  if (dialect === 'postgres' && tokens.some((t) => t.type === 'word' && t.value === 'INTO')) {
    throw new SqlGuardError('This tool is read-only: SELECT … INTO creates a table and is not allowed.')
  }
}

/** The statement's own keyword, past EXPLAIN, CTE lists and opening parentheses. */
function mainKeyword (tokens: Token[], i: number, dialect: Dialect): { keyword: string, index: number } {
  while (tokens[i]?.value === '(') i++
  const token = tokens[i]
  if (token === undefined) throw new SqlGuardError('The query has no statement keyword: send one SELECT statement.')
  if (token.type !== 'word') throw new SqlGuardError(`The query must start with a keyword such as SELECT, not "${token.value}".`)
  if (token.value === 'EXPLAIN') return mainKeyword(tokens, skipExplainOptions(tokens, i + 1, dialect), dialect)
  if (token.value === 'WITH') return mainKeyword(tokens, skipCtes(tokens, i + 1), dialect)
  return { keyword: token.value, index: i }
}

function skipExplainOptions (tokens: Token[], i: number, dialect: Dialect): number {
  if (dialect === 'sqlite') {
    return tokens[i]?.value === 'QUERY' && tokens[i + 1]?.value === 'PLAN' ? i + 2 : i
  }
  // EXPLAIN (ANALYZE, FORMAT JSON) …: a parenthesised option list, told apart from `EXPLAIN (SELECT …)`.
  if (tokens[i]?.value === '(' && tokens[i + 1]?.type === 'word' && !STATEMENT_KEYWORDS.has(tokens[i + 1].value) && tokens[i + 1].value !== 'WITH') {
    return skipParens(tokens, i)
  }
  while (tokens[i]?.type === 'word' && ['ANALYZE', 'ANALYSE', 'VERBOSE'].includes(tokens[i].value)) i++
  return i
}

/** Skips `[RECURSIVE] name [(cols)] AS [NOT] [MATERIALIZED] (…) [SEARCH …|CYCLE …] [, …]`. */
function skipCtes (tokens: Token[], i: number): number {
  if (tokens[i]?.value === 'RECURSIVE') i++
  for (;;) {
    if (tokens[i] === undefined || (tokens[i].type !== 'word' && tokens[i].type !== 'ident')) {
      throw new SqlGuardError('Expected a CTE name after WITH.')
    }
    i++
    if (tokens[i]?.value === '(') i = skipParens(tokens, i)
    if (tokens[i]?.value !== 'AS') throw new SqlGuardError('Expected AS in the WITH clause.')
    i++
    if (tokens[i]?.value === 'NOT') i++
    if (tokens[i]?.value === 'MATERIALIZED') i++
    if (tokens[i]?.value !== '(') throw new SqlGuardError('Expected a parenthesised query after AS in the WITH clause.')
    i = skipParens(tokens, i)
    while (tokens[i] !== undefined && tokens[i].value !== ',' && !(tokens[i].type === 'word' && STATEMENT_KEYWORDS.has(tokens[i].value))) {
      i = tokens[i].value === '(' ? skipParens(tokens, i) : i + 1
    }
    if (tokens[i]?.value !== ',') return i
    i++
  }
}

/** `tokens[i]` is `(`; returns the index after its matching `)`. */
function skipParens (tokens: Token[], i: number): number {
  let depth = 0
  for (let j = i; j < tokens.length; j++) {
    if (tokens[j].type !== 'punct') continue
    if (tokens[j].value === '(') depth++
    if (tokens[j].value === ')' && --depth === 0) return j + 1
  }
  throw new SqlGuardError('Unbalanced parentheses.')
}

/** `PRAGMA [schema.]name` for a reading pragma, or `PRAGMA [schema.]name(table)` for a table pragma. */
function checkPragma (tokens: Token[]): void {
  let i = 1
  if (tokens[i + 1]?.value === '.') i += 2
  const name = tokens[i]?.value.toLowerCase() ?? ''
  const rest = tokens.slice(i + 1)
  const bare = rest.length === 0
  const tableCall = rest.length === 3 && rest[0].value === '(' && rest[2].value === ')' && rest[1].type !== 'punct'
  if ((bare && (SQLITE_READ_PRAGMAS.has(name) || SQLITE_TABLE_PRAGMAS.has(name))) || (tableCall && SQLITE_TABLE_PRAGMAS.has(name))) return
  throw new SqlGuardError(
    `This tool is read-only: only reading pragmas are allowed (e.g. PRAGMA table_info(orders)); "PRAGMA ${name}${bare ? '' : ' …'}" could change settings. ` +
    'Table-valued functions such as pragma_table_info(\'orders\') work in a SELECT.'
  )
}
