/**
 * Time limits for handler runs without a timer per call. Runs with the same
 * time limit expire in the order they started, so each distinct limit keeps
 * a linked list ordered by deadline and one timer for its head. The links
 * live on the runs themselves: adding and removing allocate nothing.
 */
export interface Deadline {
  deadlineAt: number
  deadlinePrev: Deadline | undefined
  deadlineNext: Deadline | undefined
  deadlineList: DeadlineList | undefined
  /** Called once, when the deadline passes while the entry is still in its list. */
  expire (): void
}

export class DeadlineList {
  head: Deadline | undefined
  tail: Deadline | undefined
  timer: NodeJS.Timeout | undefined

  push (entry: Deadline): void {
    entry.deadlineList = this
    entry.deadlinePrev = this.tail
    entry.deadlineNext = undefined
    if (this.tail === undefined) this.head = entry
    else this.tail.deadlineNext = entry
    this.tail = entry
    if (this.timer === undefined) this.#arm(entry.deadlineAt - Date.now())
  }

  remove (entry: Deadline): void {
    if (entry.deadlinePrev === undefined) this.head = entry.deadlineNext
    else entry.deadlinePrev.deadlineNext = entry.deadlineNext
    if (entry.deadlineNext === undefined) this.tail = entry.deadlinePrev
    else entry.deadlineNext.deadlinePrev = entry.deadlinePrev
    entry.deadlinePrev = entry.deadlineNext = entry.deadlineList = undefined
  }

  /** Expires every entry whose time has come, then waits for the next one. */
  fire (): void {
    this.timer = undefined
    const now = Date.now()
    let entry = this.head
    while (entry !== undefined && entry.deadlineAt <= now) {
      this.remove(entry)
      entry.expire()
      entry = this.head
    }
    if (entry !== undefined) this.#arm(entry.deadlineAt - now)
  }

  clear (): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  #arm (ms: number): void {
    this.timer = setTimeout(fire, Math.max(0, ms), this)
    this.timer.unref()
  }
}

function fire (list: DeadlineList): void {
  list.fire()
}

export class Deadlines {
  readonly #lists = new Map<number, DeadlineList>()

  add (entry: Deadline, ms: number): void {
    let list = this.#lists.get(ms)
    if (list === undefined) {
      list = new DeadlineList()
      this.#lists.set(ms, list)
    }
    entry.deadlineAt = Date.now() + ms
    list.push(entry)
  }

  remove (entry: Deadline): void {
    entry.deadlineList?.remove(entry)
  }

  /** Stops every timer (shutdown). */
  clear (): void {
    for (const list of this.#lists.values()) list.clear()
  }
}
