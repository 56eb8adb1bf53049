/**
 * The network side of a child process's sandbox. Node 24's permission model
 * has no network permission (`--allow-net` came later), so the child refuses
 * connections itself: every TCP/TLS connection in Node (net, tls, http,
 * https, http2, fetch) goes through `net.Socket.prototype.connect`, and UDP
 * through `dgram.Socket`'s `send`/`connect`; both are replaced, before the
 * plugin loads, by versions that refuse a host not granted, and made
 * read-only so the plugin cannot put the originals back. What is NOT covered:
 * DNS queries (`dns.lookup`/`dns.resolve` still go out, so a name can leak
 * through a lookup), and native code, which the permission model already
 * keeps out (addons, WASI, `process.binding` are denied).
 *
 * Hosts compare as given to `connect` (lower case, no trailing dot): grant
 * `api.example.com` and a connection to its IP address is refused. A granted
 * name's address comes from the system resolver: a caller's own `lookup`
 * function is dropped, so a granted name cannot be pointed elsewhere.
 */
import dgram from 'node:dgram'
import dns from 'node:dns'
import net from 'node:net'

const kDenied = 'ERR_ACCESS_DENIED'

function normalizeHost (host: string): string {
  const lower = host.toLowerCase()
  const bare = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower
  return bare.endsWith('.') ? bare.slice(0, -1) : bare
}

function denied (what: string, granted: ReadonlySet<string>): Error {
  const list = granted.size === 0 ? 'none is granted' : `granted: ${[...granted].join(', ')}`
  return Object.assign(new Error(`Access to this API has been restricted: connecting to ${what} is not allowed for this plugin (${list}; add the host to "permissions.net" in its plugin entry)`), { code: kDenied })
}

export function guardNetwork (hosts: readonly string[]): void {
  const granted: ReadonlySet<string> = new Set(hosts.map(normalizeHost))
  const connect = net.Socket.prototype.connect
  // Node calls connect(options, listener) or connect(port, host, listener) or connect(path, listener).
  function guardedConnect (this: net.Socket, ...args: unknown[]): net.Socket {
    const first = args[0]
    let options: Record<string, unknown>
    if (Array.isArray(first)) options = (first[0] ?? {}) as Record<string, unknown> // internal normalized form
    else if (first !== null && typeof first === 'object') options = first as Record<string, unknown>
    else if (typeof first === 'string' && !/^\d+$/.test(first)) options = { path: first }
    else options = { port: first, host: typeof args[1] === 'string' ? args[1] : undefined }
    if (typeof options.path === 'string') throw denied(`the local socket ${options.path}`, granted)
    const host = normalizeHost(typeof options.host === 'string' ? options.host : 'localhost')
    if (!granted.has(host)) throw denied(`${host}${options.port !== undefined ? `:${String(options.port)}` : ''}`, granted)
    // The system resolver decides where a granted name goes (a custom lookup could send it anywhere).
    if ('lookup' in options) options.lookup = dns.lookup
    return connect.apply(this, args as Parameters<typeof connect>)
  }
  lock(net.Socket.prototype, 'connect', guardedConnect)

  const send = dgram.Socket.prototype.send
  const udpConnect = dgram.Socket.prototype.connect
  lock(dgram.Socket.prototype, 'send', function (this: dgram.Socket, ...args: unknown[]) {
    // send(msg, [offset, length,] port, address, callback): the address is the first string after the message.
    const address = args.slice(1).find((arg) => typeof arg === 'string')
    if (typeof address !== 'string' || !granted.has(normalizeHost(address))) {
      // Connected sockets send without an address: their connect was checked.
      if (address !== undefined || !connected.has(this)) throw denied(`${String(address ?? 'localhost')} (UDP)`, granted)
    }
    return (send as (...a: unknown[]) => void).apply(this, args)
  })
  const connected = new WeakSet<object>()
  lock(dgram.Socket.prototype, 'connect', function (this: dgram.Socket, ...args: unknown[]) {
    const address = typeof args[1] === 'string' ? args[1] : 'localhost'
    if (!granted.has(normalizeHost(address))) throw denied(`${address} (UDP)`, granted)
    connected.add(this)
    return (udpConnect as (...a: unknown[]) => void).apply(this, args)
  })
}

function lock (target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: false, configurable: false, enumerable: false })
}
