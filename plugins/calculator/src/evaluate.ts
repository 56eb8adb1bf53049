/**
 * A small arithmetic evaluator: tokenizer + recursive-descent parser that
 * computes the value while it parses (no AST, no `eval`, no `new Function`).
 *
 * Grammar, loosest binding first:
 *
 *   expression := term (('+' | '-') term)*             left-associative
 *   term       := unary (('*' | '/' | '%') unary)*     left-associative
 *   unary      := ('+' | '-') unary | power
 *   power      := primary ('^' unary)?                 right-associative
 *   primary    := number | constant | name '(' args ')' | '(' expression ')'
 *
 * Putting `unary` above `power` gives the usual math convention: -2^2 = -(2^2)
 * = -4. Letting the exponent be a `unary` allows 2^-1 = 0.5 and, because
 * `unary` leads back to `power`, makes `^` right-associative: 2^3^2 = 2^9.
 *
 * Every error is a CalculationError whose message says what went wrong and at
 * which 0-based position, and whose `position` field holds the same index.
 */

export class CalculationError extends Error {
  override name = 'CalculationError'
  /** 0-based index in the expression the message points at. */
  readonly position: number

  constructor (message: string, position: number) {
    super(message)
    this.position = position
  }
}

const MAX_LENGTH = 1000
/** Limit on nested parentheses, calls, signs and powers, so the recursion stays shallow. */
const MAX_DEPTH = 100

interface Fn { min: number, max: number, apply: (...args: number[]) => number, hint?: string }

const FUNCTIONS: Record<string, Fn> = {
  sqrt: { min: 1, max: 1, apply: Math.sqrt, hint: 'sqrt of a negative number?' },
  abs: { min: 1, max: 1, apply: Math.abs },
  // Half away from zero (round(-2.5) = -3), not Math.round's half towards +Infinity.
  round: { min: 1, max: 1, apply: (x) => Math.sign(x) * Math.round(Math.abs(x)) },
  floor: { min: 1, max: 1, apply: Math.floor },
  ceil: { min: 1, max: 1, apply: Math.ceil },
  min: { min: 1, max: Infinity, apply: Math.min },
  max: { min: 1, max: Infinity, apply: Math.max },
  log: {
    min: 1,
    max: 2,
    apply: (x, base) => base === undefined ? Math.log10(x) : Math.log(x) / Math.log(base),
    hint: 'log needs a positive number and a positive base other than 1'
  },
  ln: { min: 1, max: 1, apply: Math.log, hint: 'ln of zero or a negative number?' },
  sin: { min: 1, max: 1, apply: Math.sin },
  cos: { min: 1, max: 1, apply: Math.cos },
  tan: { min: 1, max: 1, apply: Math.tan },
  exp: { min: 1, max: 1, apply: Math.exp, hint: 'exp of a number above ~709 overflows' }
}

export const KNOWN_FUNCTIONS: readonly string[] = Object.keys(FUNCTIONS)
const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E }

type Kind = 'number' | 'name' | 'op' | '(' | ')' | ',' | 'end'
interface Token { kind: Kind, text: string, pos: number }

const OPERATORS = '+-*/%^'

// Character classes by code: a regular expression per character cost more than the rest of a short expression's work.
const isDigit = (code: number): boolean => code >= 48 && code <= 57
const isNameStart = (code: number): boolean => (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95
const isNamePart = (code: number): boolean => isNameStart(code) || isDigit(code)
/** What `\s` matches: space, tab, line breaks, and the other characters trim() removes. */
const isSpace = (c: string): boolean => c === ' ' || c.trim() === ''

function skip (src: string, i: number, part: (code: number) => boolean): number {
  while (i < src.length && part(src.charCodeAt(i))) i++
  return i
}

/**
 * The end of the number starting at `start` (-1 if none does): digits with an
 * optional '.', or '.' then digits; then an optional exponent. "1e" is
 * reported as a malformed number, not read as "1" followed by the constant e.
 */
function scanNumber (src: string, start: number): number {
  let i = skip(src, start, isDigit)
  const whole = i > start
  if (src[i] === '.') {
    const end = skip(src, i + 1, isDigit)
    if (!whole && end === i + 1) return -1
    i = end
  } else if (!whole) {
    return -1
  }
  if (src[i] === 'e' || src[i] === 'E') {
    const digits = src[i + 1] === '+' || src[i + 1] === '-' ? i + 2 : i + 1
    const end = skip(src, digits, isDigit)
    if (end === digits) throw new CalculationError(`Malformed number '${src.slice(start, end)}' at position ${start}: expected digits in the exponent`, start)
    i = end
  }
  return i
}

function tokenize (src: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i]
    if (isSpace(c)) { i++; continue }
    let token: Token
    const numberEnd = scanNumber(src, i)
    if (numberEnd !== -1) {
      token = { kind: 'number', text: src.slice(i, numberEnd), pos: i }
    } else if (isNameStart(src.charCodeAt(i))) {
      token = { kind: 'name', text: src.slice(i, skip(src, i + 1, isNamePart)), pos: i }
    } else if (OPERATORS.includes(c)) {
      token = { kind: 'op', text: c, pos: i }
    } else if (c === '(' || c === ')' || c === ',') {
      token = { kind: c, text: c, pos: i }
    } else {
      throw new CalculationError(`Unexpected character '${c}' at position ${i}`, i)
    }
    tokens.push(token)
    i += token.text.length
  }
  tokens.push({ kind: 'end', text: '', pos: src.length })
  return tokens
}

/** Throws unless `value` is finite; `hint` guesses the cause for the reader. */
function finite (value: number, pos: number, hint: string): number {
  if (!Number.isFinite(value)) throw new CalculationError(`Result is not a finite number at position ${pos} (${hint})`, pos)
  return value
}

export function evaluate (expression: string): number {
  if (expression.length > MAX_LENGTH) {
    throw new CalculationError(`Expression is too long: ${expression.length} characters (limit: ${MAX_LENGTH})`, MAX_LENGTH)
  }
  const parser = new Parser(tokenize(expression))
  const result = parser.parseExpression()
  const t = parser.peek()
  if (t.kind !== 'end') {
    const hint = t.kind === '(' || t.kind === 'name' ? " (use '*' to multiply)" : ''
    throw new CalculationError(`Unexpected '${t.text}' at position ${t.pos}: expected an operator or the end of the expression${hint}`, t.pos)
  }
  return result === 0 ? 0 : result // normalise -0
}

/** The recursive descent over one expression's tokens: each method parses one rule of the grammar above and returns its value. */
class Parser {
  readonly tokens: Token[]
  i = 0
  depth = 0

  constructor (tokens: Token[]) {
    this.tokens = tokens
  }

  peek (): Token {
    return this.tokens[this.i]
  }

  /** Whether the next token is one of the operators in `ops` (each one character). */
  isOp (ops: string): boolean {
    const t = this.tokens[this.i]
    return t.kind === 'op' && ops.includes(t.text)
  }

  parseExpression (): number {
    let value = this.parseTerm()
    while (this.isOp('+-')) {
      const op = this.tokens[this.i++]
      const right = this.parseTerm()
      value = finite(op.text === '+' ? value + right : value - right, op.pos, 'the number is too large')
    }
    return value
  }

  parseTerm (): number {
    let value = this.parseUnary()
    while (this.isOp('*/%')) {
      const op = this.tokens[this.i++]
      const right = this.parseUnary()
      if (op.text !== '*' && right === 0) throw new CalculationError(`Division by zero at position ${op.pos}`, op.pos)
      // '%' is JavaScript's remainder: the sign follows the left operand (-7 % 3 = -1).
      const result = op.text === '*' ? value * right : op.text === '/' ? value / right : value % right
      value = finite(result, op.pos, 'the number is too large')
    }
    return value
  }

  // Every level of nesting (parentheses, call arguments, signs, exponents)
  // passes through here, so this is where the depth is guarded. The outermost
  // operand is level 0, so exactly MAX_DEPTH nested parentheses are accepted.
  parseUnary (): number {
    if (this.depth++ > MAX_DEPTH) {
      const pos = this.peek().pos
      throw new CalculationError(`Expression is nested too deeply at position ${pos} (limit: ${MAX_DEPTH} levels of parentheses, function calls, signs or powers)`, pos)
    }
    let value: number
    if (this.isOp('+-')) {
      const sign = this.tokens[this.i++].text
      value = sign === '-' ? -this.parseUnary() : this.parseUnary()
    } else {
      value = this.parsePrimary()
      if (this.isOp('^')) {
        const op = this.tokens[this.i++]
        value = finite(value ** this.parseUnary(), op.pos, "'^' overflowed, divided by zero or raised a negative number to a fraction?")
      }
    }
    this.depth--
    return value
  }

  parsePrimary (): number {
    const t = this.tokens[this.i]
    if (t.kind === 'number') {
      this.i++
      return finite(Number(t.text), t.pos, `the number ${t.text} is too large`)
    }
    if (t.kind === '(') {
      this.i++
      const value = this.parseExpression()
      this.expectClose(t, "'('")
      return value
    }
    if (t.kind === 'name') {
      this.i++
      if (this.peek().kind === '(') return this.parseCall(t)
      if (Object.hasOwn(CONSTANTS, t.text)) return CONSTANTS[t.text]
      if (Object.hasOwn(FUNCTIONS, t.text)) throw new CalculationError(`Function '${t.text}' at position ${t.pos} needs its arguments in parentheses, e.g. ${t.text}(2)`, t.pos)
      throw new CalculationError(`Unknown name '${t.text}' at position ${t.pos} (known constants: ${Object.keys(CONSTANTS).join(', ')})`, t.pos)
    }
    // Nothing here can start an operand: say what was found and what was wanted.
    const expected = "expected a number, '(' or a function"
    if (t.kind === 'end') {
      const prev = this.tokens[this.i - 1]
      if (prev === undefined) throw new CalculationError(`Empty expression: ${expected}`, 0)
      throw new CalculationError(`Unexpected end of expression: ${expected} after '${prev.text}' at position ${prev.pos}`, prev.pos)
    }
    throw new CalculationError(`Unexpected '${t.text}' at position ${t.pos}: ${expected}`, t.pos)
  }

  parseCall (name: Token): number {
    const fn = Object.hasOwn(FUNCTIONS, name.text) ? FUNCTIONS[name.text] : undefined
    if (fn === undefined) {
      throw new CalculationError(`Unknown function '${name.text}' at position ${name.pos} (known: ${KNOWN_FUNCTIONS.join(', ')})`, name.pos)
    }
    this.i++ // '('
    const args: number[] = []
    if (this.peek().kind !== ')') {
      args.push(this.parseExpression())
      while (this.peek().kind === ',') { this.i++; args.push(this.parseExpression()) }
    }
    this.expectClose(name, `'${name.text}('`, "',' or ")
    if (args.length < fn.min || args.length > fn.max) {
      const count = (n: number): string => n === 1 ? '1 argument' : `${n} arguments`
      const wanted = fn.max === Infinity ? `at least ${count(fn.min)}` : fn.min === fn.max ? count(fn.min) : `${fn.min} or ${count(fn.max)}`
      throw new CalculationError(`${name.text} expects ${wanted}, got ${args.length} at position ${name.pos}`, name.pos)
    }
    return finite(fn.apply(...args), name.pos, fn.hint ?? `${name.text} of this argument is undefined`)
  }

  expectClose (open: Token, what: string, alternatives = ''): void {
    const t = this.tokens[this.i]
    if (t.kind === ')') { this.i++; return }
    if (t.kind === 'end') throw new CalculationError(`Missing ')' to close ${what} at position ${open.pos}`, open.pos)
    throw new CalculationError(`Unexpected '${t.text}' at position ${t.pos}: expected ${alternatives}')' to close ${what} at position ${open.pos}`, t.pos)
  }
}
