/** Reading answers of either shape: one JSON body, or an SSE stream of JSON-RPC messages. */

/** Splits an SSE body into its JSON `data` payloads (comments, retry hints and priming events are skipped). */
export function parseSse (text: string): any[] {
  const out: any[] = []
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event.split(/\r?\n/).filter((line) => line.startsWith('data:')).map((line) => line.slice(5).replace(/^ /, '')).join('\n')
    if (data.trim() === '') continue
    out.push(JSON.parse(data))
  }
  return out
}

/** Every JSON-RPC message of an answer body: one for JSON, each event for SSE; none for an empty or non-JSON body. */
export function parseMessages (contentType: string, text: string): any[] {
  if (contentType.startsWith('text/event-stream')) return parseSse(text)
  if (text === '') return []
  try {
    return [JSON.parse(text)]
  } catch {
    return []
  }
}

/** The JSON-RPC response among `messages` (a message with a result or an error), if any. */
export function responseOf (messages: any[]): any {
  return messages.find((m) => m !== null && typeof m === 'object' && ('result' in m || 'error' in m))
}
