import neostandard, { resolveIgnoresFromGitignore } from 'neostandard'

export default [
  ...neostandard({
    ts: true,
    // Only .js/.ts files are linted: the SQL migrations (002_seed.sql is generated) and JSON fixtures never are.
    ignores: [
      ...resolveIgnoresFromGitignore(),
      '**/node_modules/',
      '**/dist/',
      '**/.tap/',
      '**/coverage/',
    ],
  }),
  {
    rules: {
      // `void promise` as a statement is the deliberate mark of a fire-and-forget promise (and of a used-only-for-types binding); void inside expressions stays banned.
      'no-void': ['error', { allowAsStatement: true }],
    },
  },
]
