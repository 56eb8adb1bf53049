/** Another process's resident memory, from /proc (Linux); undefined where that cannot be read. */
import { readFile } from 'node:fs/promises'

export async function processRssBytes (pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]
    return kb === undefined ? undefined : Number(kb) * 1024
  } catch {
    return undefined
  }
}
