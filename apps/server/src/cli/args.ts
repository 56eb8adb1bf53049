/**
 * The command line of `mcp-platform` (the server package's bin, `npm start`
 * and `npm run stdio` in this repository): which transport to serve, or the
 * help text. Everything else comes from fastify.config.ts and the
 * environment, the same for both transports.
 */

export type Command = { run: 'http' } | { run: 'stdio' } | { run: 'help' } | { run: 'error', message: string }

export function parseArgs (argv: readonly string[]): Command {
  let command: Command = { run: 'http' }
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') return { run: 'help' }
    if (arg === '--stdio') command = { run: 'stdio' }
    else if (arg === '--http') command = { run: 'http' }
    else return { run: 'error', message: `unknown argument ${JSON.stringify(arg)}` }
  }
  return command
}

export const HELP = `Usage: mcp-platform [--stdio | --http] [--help]

Serves the MCP tool plugins of the configuration (fastify.config.ts in the
working directory, or the file named by MCP_CONFIG, then the environment).

  (no option), --http   Streamable HTTP and WebSocket on HOST:PORT (default
                        http://127.0.0.1:3000/mcp); stops on SIGINT/SIGTERM.
  --stdio               MCP over stdin/stdout, one JSON-RPC message a line,
                        for clients that launch the server as a subprocess
                        (desktop apps, the Inspector's stdio mode). Logs go
                        to stderr. Exits 0 when stdin closes; stops cleanly
                        on SIGTERM.
  -h, --help            This text.

Environment (a few; the README lists them all):
  MCP_CONFIG            the config file (default: ./fastify.config.ts)
  MCP_PLUGINS           more plugins: ./path,@scope/package (comma-separated),
                        or JSON: [{"module":"./path","options":{...}}]
  LOG_LEVEL             fatal, error, warn, info (default), debug (one line
                        per MCP request), trace, silent
  LOG_FORMAT            auto (default: readable on a terminal, else JSON),
                        pretty, json
  HOST, PORT, MCP_PATH  where the HTTP server listens (not used by --stdio)
`
