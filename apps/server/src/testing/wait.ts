/** Waiting for what a test observes server-side, bounded so a missing event fails the test instead of hanging it. */

/** Resolves when `check()` is true, polling every 10 ms; rejects after `ms` (a safety net, not an assertion on time). */
export async function until (check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** A promise with its resolve function: a plugin resolves it, the test awaits it. */
export function deferred<T = void> (): { promise: Promise<T>, resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((_resolve) => { resolve = _resolve })
  return { promise, resolve }
}

/** `promise`, or a rejection naming `what` if it does not settle within `ms`. */
export async function within<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms) })
    ])
  } finally {
    clearTimeout(timer)
  }
}
