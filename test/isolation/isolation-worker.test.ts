/** The misbehaving plugin loaded with isolate: 'worker' (the checks are in misbehaviour.ts). */
import t from 'tap'
import { checkMisbehaviour } from './misbehaviour.ts'

t.test('isolate: "worker"', async (t) => { await checkMisbehaviour(t, 'worker') })
