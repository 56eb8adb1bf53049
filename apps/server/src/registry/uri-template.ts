/**
 * Matching URIs against RFC 6570 URI templates (the subset resource templates
 * use): `{var}`, `{+var}`, `{#var}`, `{/var}`, `{.var}`, `{?a,b}` and `{&a}`.
 * Each template is compiled to one RegExp at registration.
 */
export interface CompiledTemplate {
  /** Variable names in order of appearance. */
  readonly variables: string[]
  match (uri: string): Record<string, string> | undefined
}

const EXPRESSION = /\{([+#./;?&]?)([^}]+)\}/g

function escapeRegExp (text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function names (list: string): string[] {
  return list.split(',').map((name) => name.trim().replace(/\*$/, '').replace(/:\d+$/, ''))
}

export function compileTemplate (template: string): CompiledTemplate {
  const variables: string[] = []
  const queryVariables: string[] = []
  // What each capture group holds, in order: a variable's value, or a query string.
  const groups: Array<string | null> = []
  let pattern = '^'
  let last = 0
  for (const match of template.matchAll(EXPRESSION)) {
    pattern += escapeRegExp(template.slice(last, match.index))
    last = match.index + match[0].length
    const operator = match[1]
    const vars = names(match[2])
    if (operator === '?' || operator === '&') {
      // Query parameters are matched as a whole and parsed afterwards.
      queryVariables.push(...vars)
      variables.push(...vars)
      groups.push(null)
      pattern += operator === '?' ? '(?:\\?([^#]*))?' : '(?:&([^#]*))?'
      continue
    }
    for (const [index, name] of vars.entries()) {
      variables.push(name)
      groups.push(name)
      const separator = index === 0
        ? ({ '#': '#', '/': '/', '.': '\\.', ';': ';' } as Record<string, string>)[operator] ?? ''
        : ({ '/': '/', '.': '\\.', ';': ';' } as Record<string, string>)[operator] ?? ','
      // Reserved expansion (+, #) may contain '/'; simple expansion may not.
      const value = operator === '+' || operator === '#' ? '(.+?)' : '([^/?#,]+)'
      pattern += separator + (operator === ';' ? `${escapeRegExp(name)}=?` : '') + value
    }
  }
  pattern += escapeRegExp(template.slice(last)) + '$'
  const regexp = new RegExp(pattern)

  return {
    variables,
    match (uri) {
      const found = regexp.exec(uri)
      if (found === null) return undefined
      const result: Record<string, string> = {}
      for (const [index, name] of groups.entries()) {
        const captured = found[index + 1]
        if (captured === undefined) continue
        if (name !== null) {
          result[name] = safeDecode(captured)
          continue
        }
        for (const [key, value] of new URLSearchParams(captured)) {
          if (queryVariables.includes(key)) result[key] = value
        }
      }
      return result
    }
  }
}

function safeDecode (value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}
