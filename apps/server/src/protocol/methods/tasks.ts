/**
 * `tasks/get`, `tasks/update`, `tasks/cancel` (the tasks extension). Each
 * needs the extension in the request's capabilities (-32021 otherwise) and
 * sees only the caller's own tasks: another principal's task id is unknown.
 */
import type { TaskRecord } from '../../state/task-store.ts'
import type { Call } from '../call.ts'
import type { CoreContext } from '../context.ts'
import { invalidParams, missingTasksExtension, unknownTask } from '../errors.ts'
import { declaresTasks, wireTask } from '../tasks/manager.ts'

async function taskOf (core: CoreContext, call: Call): Promise<TaskRecord> {
  if (!declaresTasks(call.clientCapabilities)) throw missingTasksExtension(`"${call.method}"`)
  const { taskId } = call.params
  if (typeof taskId !== 'string') throw invalidParams('"taskId" must be the string a CreateTaskResult carried')
  const record = await core.tasks.store.get(taskId, call.tc.principal?.id ?? null)
  if (record === undefined) throw unknownTask(taskId)
  return record
}

export async function getTask (core: CoreContext, call: Call): Promise<Record<string, unknown>> {
  return wireTask(await taskOf(core, call))
}

export async function updateTask (core: CoreContext, call: Call): Promise<Record<string, unknown>> {
  const record = await taskOf(core, call)
  const { inputResponses } = call.params
  if (inputResponses === null || typeof inputResponses !== 'object' || Array.isArray(inputResponses)) {
    throw invalidParams('"inputResponses" must be an object mapping the keys of the task\'s inputRequests to their results')
  }
  // Keys of no pending request (answered already, unknown) are ignored; a run on another instance gets them relayed.
  core.tasks.answer(record.taskId, Object.assign(Object.create(null), inputResponses) as Record<string, unknown>)
  return {}
}

export async function cancelTask (core: CoreContext, call: Call): Promise<Record<string, unknown>> {
  await core.tasks.cancel(await taskOf(core, call))
  return {}
}
