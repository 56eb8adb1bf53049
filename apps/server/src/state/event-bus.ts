/**
 * Change events every instance must hear: a list changed, a resource was
 * updated, a task's status changed. Each instance delivers them to the clients connected to it.
 */
export type ChangeEvent =
  | { type: 'listChanged', list: 'tools' | 'resources' | 'prompts' }
  | { type: 'resourceUpdated', uri: string }
  /** A task's status changed (tasks extension): for `subscriptions/listen` streams of its principal. */
  | { type: 'task', taskId: string, principalId: string | null, task: Record<string, unknown> }

export interface EventBus {
  publish (event: ChangeEvent): void
  subscribe (listener: (event: ChangeEvent) => void): () => void
  close (): Promise<void>
}

export class MemoryEventBus implements EventBus {
  #listeners = new Set<(event: ChangeEvent) => void>()

  publish (event: ChangeEvent): void {
    for (const listener of this.#listeners) listener(event)
  }

  subscribe (listener: (event: ChangeEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  async close (): Promise<void> {
    this.#listeners.clear()
  }
}
