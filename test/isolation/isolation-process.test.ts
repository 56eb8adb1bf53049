/** The misbehaving plugin loaded with isolate: 'process' (the checks are in misbehaviour.ts). */
import t from 'tap'
import { checkMisbehaviour } from './misbehaviour.ts'

t.test('isolate: "process"', async (t) => { await checkMisbehaviour(t, 'process') })
