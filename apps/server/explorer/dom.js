// Building the page without innerHTML: everything the server sends is shown as text, never parsed as markup.

/** `el('button', { type: 'button' }, 'Run')`: an element with attributes and children (strings become text). */
export function el (tag, attributes = {}, ...children) {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue
    node.setAttribute(key, value === true ? '' : String(value))
  }
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue
    node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child)
  }
  return node
}

/** Replaces `node`'s children. */
export function fill (node, ...children) {
  node.replaceChildren()
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue
    node.append(typeof child === 'string' ? child : child)
  }
  return node
}
