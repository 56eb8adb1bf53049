import t from 'tap'
import { evaluate, CalculationError, KNOWN_FUNCTIONS } from '../src/evaluate.ts'

type Asserts = Pick<typeof t, 'ok' | 'match' | 'equal' | 'fail'>

/** Asserts `actual` is within 1e-9 (relative for large values) of `expected`. */
function near (tt: Asserts, expression: string, expected: number): void {
  const actual = evaluate(expression)
  const tolerance = 1e-9 * Math.max(1, Math.abs(expected))
  tt.ok(Math.abs(actual - expected) <= tolerance, `${expression} ≈ ${expected} (got ${actual})`)
}

/** Asserts that evaluating `expression` throws a CalculationError matching `message` at `position`. */
function fails (tt: Asserts, expression: string, message: RegExp, position: number): void {
  let caught: unknown
  try {
    evaluate(expression)
  } catch (err) {
    caught = err
  }
  if (!(caught instanceof CalculationError)) {
    tt.fail(`${JSON.stringify(expression)} should throw a CalculationError, got ${String(caught)}`)
    return
  }
  tt.match(caught.message, message, `${JSON.stringify(expression)}: message`)
  tt.equal(caught.position, position, `${JSON.stringify(expression)}: position`)
  tt.equal(caught.name, 'CalculationError')
}

t.test('precedence and associativity', async (t) => {
  const cases: Array<[string, number]> = [
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3], // left-associative
    ['100 / 10 / 5', 2], // left-associative
    ['2 * 3 % 4', 2], // % shares the level of * and /: (2*3) % 4
    ['7 + 10 % 4', 9],
    ['2 * 3 ^ 2', 18],
    ['2 ^ 3 ^ 2', 512], // right-associative: 2^(3^2)
    ['(2 ^ 3) ^ 2', 64],
    ['2 * (3 + 4) ^ 2', 98],
    ['-7 % 3', -1], // remainder takes the sign of the left operand
    ['7 % -3', 1],
    ['5.5 % 2', 1.5]
  ]
  for (const [expression, expected] of cases) near(t, expression, expected)
})

t.test('unary minus and plus', async (t) => {
  const cases: Array<[string, number]> = [
    ['-3', -3],
    ['+3', 3],
    ['--3', 3],
    ['-+-3', 3],
    ['2 - -3', 5],
    ['2 * -3', -6],
    ['-2 ^ 2', -4], // unary minus binds looser than ^
    ['(-2) ^ 2', 4],
    ['2 ^ -1', 0.5], // a sign is allowed in the exponent
    ['2 ^ -2 ^ 2', 1 / 16], // 2^(-(2^2))
    ['-(1 + 2)', -3],
    ['-pi', -Math.PI]
  ]
  for (const [expression, expected] of cases) near(t, expression, expected)
  t.ok(Object.is(evaluate('-0'), 0), '-0 is normalised to 0')
})

t.test('numbers: decimals and scientific notation', async (t) => {
  const cases: Array<[string, number]> = [
    ['42', 42],
    ['1.25', 1.25],
    ['.5', 0.5],
    ['2.', 2],
    ['2. + .5', 2.5],
    ['1e3', 1000],
    ['2.5E-2', 0.025],
    ['1e+2', 100],
    ['.5e1', 5],
    ['3.e1', 30],
    ['0.1 + 0.2', 0.3]
  ]
  for (const [expression, expected] of cases) near(t, expression, expected)
})

t.test('functions', async (t) => {
  const cases: Array<[string, number]> = [
    ['sqrt(16)', 4],
    ['abs(-3.5)', 3.5],
    ['round(2.5)', 3],
    ['round(-2.5)', -3], // half away from zero
    ['round(2.4)', 2],
    ['floor(-1.5)', -2],
    ['ceil(1.2)', 2],
    ['min(3)', 3],
    ['min(3, 1, 2)', 1],
    ['max(3, 1, 2, 10, -4)', 10],
    ['log(1000)', 3],
    ['log(8, 2)', 3],
    ['log(81, 3)', 4],
    ['ln(e ^ 2)', 2],
    ['sin(pi / 2)', 1],
    ['cos(pi)', -1],
    ['tan(pi / 4)', 1],
    ['exp(1)', Math.E],
    ['exp(0)', 1],
    ['sqrt(max(9, 4) + min(16, 7))', 4],
    ['2 * sqrt(4) ^ 2', 8]
  ]
  for (const [expression, expected] of cases) near(t, expression, expected)
  t.same(KNOWN_FUNCTIONS, ['sqrt', 'abs', 'round', 'floor', 'ceil', 'min', 'max', 'log', 'ln', 'sin', 'cos', 'tan', 'exp'])
})

t.test('constants', async (t) => {
  near(t, 'pi', Math.PI)
  near(t, 'e', Math.E)
  near(t, '2 * pi * e', 2 * Math.PI * Math.E)
})

t.test('whitespace anywhere between tokens', async (t) => {
  near(t, '  1+2 ', 3)
  near(t, '\t2\n*\r\n( 3 +4 )', 14)
  near(t, 'max (1 , 2 )', 2)
  near(t, '- 2 ^ 2', -4)
})

t.test('limits', async (t) => {
  near(t, '1' + '+1'.repeat(499), 500) // 999 characters
  near(t, '('.repeat(100) + '1' + ')'.repeat(100), 1) // exactly 100 levels is fine
  near(t, '-'.repeat(100) + '1', 1)
})

t.test('errors: characters and syntax', async (t) => {
  fails(t, '2 $ 3', /^Unexpected character '\$' at position 2$/, 2)
  fails(t, '2 + 3 & 1', /Unexpected character '&' at position 6/, 6)
  fails(t, '2 +', /^Unexpected end of expression: expected a number, '\(' or a function after '\+' at position 2$/, 2)
  fails(t, '1 + 2 *', /Unexpected end of expression: .* after '\*' at position 6/, 6)
  fails(t, '2 ^', /Unexpected end of expression: .* after '\^' at position 2/, 2)
  fails(t, '-', /Unexpected end of expression: .* after '-' at position 0/, 0)
  fails(t, '', /^Empty expression: expected a number/, 0)
  fails(t, '   ', /^Empty expression/, 0)
  fails(t, ')', /^Unexpected '\)' at position 0: expected a number, '\(' or a function$/, 0)
  fails(t, '2 * / 3', /Unexpected '\/' at position 4: expected a number/, 4)
  fails(t, 'max(1,)', /Unexpected '\)' at position 6: expected a number/, 6)
  fails(t, ',', /Unexpected ',' at position 0/, 0)
  fails(t, '1 2', /Unexpected '2' at position 2: expected an operator or the end of the expression$/, 2)
  fails(t, '1.2.3', /Unexpected '\.3' at position 3/, 3)
  fails(t, '(1 + 2))', /Unexpected '\)' at position 7: expected an operator/, 7)
  fails(t, '2(3)', /Unexpected '\(' at position 1: .*\(use '\*' to multiply\)/, 1)
  fails(t, '2pi', /Unexpected 'pi' at position 1: .*use '\*' to multiply/, 1)
  fails(t, '1e', /^Malformed number '1e' at position 0: expected digits in the exponent$/, 0)
  fails(t, '3 + 2E-', /Malformed number '2E-' at position 4/, 4)
  fails(t, '.', /Unexpected character '\.' at position 0/, 0)
})

t.test('errors: parentheses', async (t) => {
  fails(t, '2*(3+4', /^Missing '\)' to close '\(' at position 2$/, 2)
  fails(t, '((1)', /^Missing '\)' to close '\(' at position 0$/, 0)
  fails(t, 'sqrt(4', /^Missing '\)' to close 'sqrt\(' at position 0$/, 0)
  fails(t, '(1 2)', /^Unexpected '2' at position 3: expected '\)' to close '\(' at position 0$/, 3)
  fails(t, 'max(1 2)', /^Unexpected '2' at position 6: expected ',' or '\)' to close 'max\(' at position 0$/, 6)
})

t.test('errors: names and functions', async (t) => {
  fails(t, 'foo(1)', /^Unknown function 'foo' at position 0 \(known: sqrt, abs, round, floor, ceil, min, max, log, ln, sin, cos, tan, exp\)$/, 0)
  fails(t, '1 + SQRT(4)', /^Unknown function 'SQRT' at position 4/, 4) // names are case-sensitive
  fails(t, 'toString(1)', /^Unknown function 'toString' at position 0/, 0) // no prototype leaks
  fails(t, '2 + x', /^Unknown name 'x' at position 4 \(known constants: pi, e\)$/, 4)
  fails(t, 'PI', /^Unknown name 'PI' at position 0/, 0)
  fails(t, 'constructor', /^Unknown name 'constructor' at position 0/, 0)
  fails(t, 'sqrt + 1', /^Function 'sqrt' at position 0 needs its arguments in parentheses, e\.g\. sqrt\(2\)$/, 0)
  fails(t, 'pi(2)', /Unknown function 'pi' at position 0/, 0)
  fails(t, 'sqrt(1, 2)', /^sqrt expects 1 argument, got 2 at position 0$/, 0)
  fails(t, '1 + abs()', /^abs expects 1 argument, got 0 at position 4$/, 4)
  fails(t, 'log(1, 2, 3)', /^log expects 1 or 2 arguments, got 3 at position 0$/, 0)
  fails(t, 'min()', /^min expects at least 1 argument, got 0 at position 0$/, 0)
  fails(t, 'max()', /^max expects at least 1 argument, got 0 at position 0$/, 0)
})

t.test('errors: arithmetic', async (t) => {
  fails(t, '1 + 6 / 0', /^Division by zero at position 6$/, 6)
  fails(t, '5 % 0', /^Division by zero at position 2$/, 2)
  fails(t, '1 / (2 - 2)', /^Division by zero at position 2$/, 2)
  fails(t, '1 / -0', /^Division by zero at position 2$/, 2)
  fails(t, 'sqrt(-1)', /^Result is not a finite number at position 0 \(sqrt of a negative number\?\)$/, 0)
  fails(t, '2 + log(0)', /^Result is not a finite number at position 4 \(log needs a positive number/, 4)
  fails(t, 'log(5, 1)', /Result is not a finite number at position 0 \(log needs .* base other than 1\)/, 0)
  fails(t, 'ln(-1)', /Result is not a finite number at position 0 \(ln of zero or a negative number\?\)/, 0)
  fails(t, 'exp(1000)', /Result is not a finite number at position 0 \(exp of a number above/, 0)
  fails(t, '1e308 * 10', /^Result is not a finite number at position 6 \(the number is too large\)$/, 6)
  fails(t, '1e308 + 1e308', /Result is not a finite number at position 6/, 6)
  fails(t, '-1e308 - 1e308', /Result is not a finite number at position 7/, 7)
  fails(t, '1e999', /^Result is not a finite number at position 0 \(the number 1e999 is too large\)$/, 0)
  fails(t, '0 ^ -1', /^Result is not a finite number at position 2 \('\^' overflowed/, 2)
  fails(t, '(-8) ^ (1/3)', /Result is not a finite number at position 5 .*negative number to a fraction/, 5)
  fails(t, '10 ^ 400', /Result is not a finite number at position 3/, 3)
})

t.test('errors: limits', async (t) => {
  fails(t, '1' + '+1'.repeat(500), /^Expression is too long: 1001 characters \(limit: 1000\)$/, 1000)
  fails(t, '('.repeat(101) + '1' + ')'.repeat(101), /^Expression is nested too deeply at position 101 \(limit: 100 levels/, 101)
  fails(t, '-'.repeat(101) + '1', /nested too deeply at position 101/, 101)
  fails(t, 'sqrt('.repeat(101) + '1' + ')'.repeat(101), /nested too deeply at position 505/, 505)
  fails(t, '2^'.repeat(150) + '1', /nested too deeply at position 202/, 202) // the 102nd '2'
})
