/**
 * Where the server's logs go and in which form: one JSON object a line (for
 * log collectors; the default off a terminal), or readable lines through
 * pino-pretty (for people: the default on a terminal, or LOG_FORMAT=pretty).
 * Under `--stdio` the stream is stderr, since stdout carries MCP messages.
 */

export type LogFormatSetting = 'auto' | 'pretty' | 'json'

/** The format a setting means for a stream: `auto` is pretty only on a terminal. */
export function logFormatFor (setting: LogFormatSetting, stream: NodeJS.WritableStream): 'pretty' | 'json' {
  if (setting !== 'auto') return setting
  return (stream as { isTTY?: boolean }).isTTY === true ? 'pretty' : 'json'
}

/**
 * The stream pino writes to: `stream` itself for JSON, else a pino-pretty
 * stream in front of it (in this thread, synchronous: lines keep their order
 * with what the process prints itself, and none is lost at exit).
 */
export async function logDestination (setting: LogFormatSetting, stream: NodeJS.WritableStream): Promise<NodeJS.WritableStream> {
  if (logFormatFor(setting, stream) === 'json') return stream
  // Loaded here: JSON logs (the default off a terminal) never load pino-pretty (start-up time).
  const { default: pinoPretty } = await import('pino-pretty')
  return pinoPretty({
    destination: stream,
    sync: true,
    colorize: (stream as { isTTY?: boolean }).isTTY === true,
    // The hostname and pid say nothing to a person reading one server's output.
    ignore: 'pid,hostname',
    translateTime: 'SYS:HH:MM:ss.l'
  })
}
