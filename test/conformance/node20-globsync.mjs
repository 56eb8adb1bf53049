// The conformance CLI imports `globSync` from `fs`, which Node 20 lacks (it
// arrived in Node 22). This loader hook gives that one package an `fs` that
// also exports a small globSync, and leaves everything else untouched.
// Use: node --import ./test/conformance/node20-globsync.mjs <conformance cli>
import { register } from 'node:module'

register(new URL('./node20-globsync-hooks.mjs', import.meta.url))
