/** The loopback interface's names, written once: the default Host allow-list, the default Origin rule, and "is this bind local?". */

/** Host names of the loopback interface, as they appear in a Host header or a URL (without port). */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]']

/** Whether a bind address, a Host name or a URL hostname is the loopback interface. */
export function isLoopback (host: string): boolean {
  return LOOPBACK_HOSTS.includes(host) || host === '::1'
}
