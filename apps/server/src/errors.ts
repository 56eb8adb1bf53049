/**
 * Every error of the host itself, each with a stable code (`MCP_ERR_…`):
 * registration (what plugins put on `app.mcp`), configuration, plugin loading
 * and start-up. They are thrown at start (or when a plugin registers later),
 * never sent on the wire: JSON-RPC errors are the protocol core's.
 *
 * Each export is named by its code, as Fastify's own `errorCodes` are; the
 * message says what is wrong and what to do. docs/errors.md lists every code
 * (a test keeps the two in step). Where there is an underlying error, it is
 * kept as `cause`.
 */
import createError, { type FastifyError } from '@fastify/error'

/**
 * The base of the configuration errors (`MCP_ERR_INVALID_CONFIG`,
 * `MCP_ERR_CONFIG_NOT_FOUND`, `MCP_ERR_CONFIG_FILE`), so `instanceof
 * ConfigError` still tells them apart from other start-up failures.
 */
export class ConfigError extends Error {}

// createError's `Base` is typed as the global ErrorConstructor (callable); a class is not.
const ConfigBase = ConfigError as unknown as ErrorConstructor

/** A cause to keep: the last argument of an error constructor, as `@fastify/error` expects. */
type Cause = { cause: unknown }

// ---- Registration: what a plugin registers on app.mcp ----

export const MCP_ERR_DUPLICATE_TOOL = createError<'MCP_ERR_DUPLICATE_TOOL', [name: string, first: string, second: string]>(
  'MCP_ERR_DUPLICATE_TOOL',
  'Tool "%s" is registered twice: by plugin "%s" and by plugin "%s". Tool names must be unique: rename one of the tools or remove one of the plugins from the configuration')

export const MCP_ERR_DUPLICATE_RESOURCE = createError<'MCP_ERR_DUPLICATE_RESOURCE', [uri: string, first: string, second: string]>(
  'MCP_ERR_DUPLICATE_RESOURCE',
  'Resource "%s" is registered twice: by plugin "%s" and by plugin "%s". Resource URIs must be unique: change one of the URIs or remove one of the plugins from the configuration')

export const MCP_ERR_DUPLICATE_RESOURCE_TEMPLATE = createError<'MCP_ERR_DUPLICATE_RESOURCE_TEMPLATE', [uriTemplate: string, first: string, second: string]>(
  'MCP_ERR_DUPLICATE_RESOURCE_TEMPLATE',
  'Resource template "%s" is registered twice: by plugin "%s" and by plugin "%s". URI templates must be unique: change one of them or remove one of the plugins from the configuration')

export const MCP_ERR_DUPLICATE_PROMPT = createError<'MCP_ERR_DUPLICATE_PROMPT', [name: string, first: string, second: string]>(
  'MCP_ERR_DUPLICATE_PROMPT',
  'Prompt "%s" is registered twice: by plugin "%s" and by plugin "%s". Prompt names must be unique: rename one of the prompts or remove one of the plugins from the configuration')

export const MCP_ERR_INVALID_TOOL_NAME = createError<'MCP_ERR_INVALID_TOOL_NAME', [name: string, owner: string]>(
  'MCP_ERR_INVALID_TOOL_NAME',
  'Tool name %s (plugin "%s") is not valid: a tool name must be 1-128 characters of letters, digits, "_", "-" or "." (no spaces); rename the tool')

export const MCP_ERR_INVALID_PROMPT_NAME = createError<'MCP_ERR_INVALID_PROMPT_NAME', [owner: string]>(
  'MCP_ERR_INVALID_PROMPT_NAME',
  'A prompt of plugin "%s" has no name: give it a non-empty "name"')

export const MCP_ERR_INVALID_RESOURCE_URI = createError<'MCP_ERR_INVALID_RESOURCE_URI', [uri: string, owner: string]>(
  'MCP_ERR_INVALID_RESOURCE_URI',
  'Resource %s (plugin "%s") needs an absolute URI with a scheme, e.g. "file:///notes.txt"; change its "uri"')

export const MCP_ERR_MISSING_HANDLER = createError<'MCP_ERR_MISSING_HANDLER', [what: string, owner: string, property: string]>(
  'MCP_ERR_MISSING_HANDLER',
  '%s (plugin "%s") has no "%s" function: add one to its definition')

export const MCP_ERR_REGISTRATION_REMOVED = createError<'MCP_ERR_REGISTRATION_REMOVED', [what: string]>(
  'MCP_ERR_REGISTRATION_REMOVED',
  '%s was removed: its handle can no longer update, enable or disable it. Register it again with app.mcp to get a new handle')

export const MCP_ERR_UNKNOWN_TOOL = createError<'MCP_ERR_UNKNOWN_TOOL', [name: string, known: string]>(
  'MCP_ERR_UNKNOWN_TOOL',
  'app.mcp.call("%s"): no such tool is registered and enabled (registered: %s). Check the name, and that the plugin that registers it is loaded first')

export const MCP_ERR_INVALID_SCHEMA = createError<'MCP_ERR_INVALID_SCHEMA', [what: string, problem: string] | [what: string, problem: string, cause: Cause]>(
  'MCP_ERR_INVALID_SCHEMA',
  '%s is invalid: %s. Fix the schema in the plugin\'s definition')

export const MCP_ERR_UNSUPPORTED_SCHEMA_DIALECT = createError<'MCP_ERR_UNSUPPORTED_SCHEMA_DIALECT', [what: string, dialect: string]>(
  'MCP_ERR_UNSUPPORTED_SCHEMA_DIALECT',
  '%s names the unsupported JSON Schema dialect %s: use 2020-12 (the default: leave "$schema" out) or draft-07')

export const MCP_ERR_INVALID_HEADER_PARAM = createError<'MCP_ERR_INVALID_HEADER_PARAM', [what: string, problem: string]>(
  'MCP_ERR_INVALID_HEADER_PARAM',
  '%s: %s. Fix or remove that "x-mcp-header" annotation')

export const MCP_ERR_INVALID_COMPLETER = createError<'MCP_ERR_INVALID_COMPLETER', [what: string, owner: string, name: string, expected: string]>(
  'MCP_ERR_INVALID_COMPLETER',
  '%s (plugin "%s") has a completer for "%s", which is not one of its %s: rename or remove that completer')

// ---- Configuration: fastify.config.ts (or MCP_CONFIG) and the environment ----

export const MCP_ERR_INVALID_CONFIG = createError<'MCP_ERR_INVALID_CONFIG', [problems: string]>(
  'MCP_ERR_INVALID_CONFIG',
  'Invalid configuration:\n%s\nFix each setting where it comes from (the file or environment variable named after it) and start again',
  500, ConfigBase)

export const MCP_ERR_CONFIG_NOT_FOUND = createError<'MCP_ERR_CONFIG_NOT_FOUND', [file: string]>(
  'MCP_ERR_CONFIG_NOT_FOUND',
  'MCP_CONFIG names %s, which does not exist: fix the path (relative to the working directory) or unset MCP_CONFIG to use fastify.config.ts',
  500, ConfigBase)

export const MCP_ERR_CONFIG_FILE = createError<'MCP_ERR_CONFIG_FILE', [file: string, problem: string] | [file: string, problem: string, cause: Cause]>(
  'MCP_ERR_CONFIG_FILE',
  'Config file %s cannot be used: %s',
  500, ConfigBase)

// ---- Plugin loading: the entries of `plugins` and MCP_PLUGINS ----

export const MCP_ERR_PLUGIN_NOT_FOUND = createError<'MCP_ERR_PLUGIN_NOT_FOUND', [spec: string, detail: string] | [spec: string, detail: string, cause: Cause]>(
  'MCP_ERR_PLUGIN_NOT_FOUND',
  'Plugin "%s" not found: %s. Check the entry in the configuration or MCP_PLUGINS: paths are relative to the working directory, packages must be installed')

export const MCP_ERR_PLUGIN_NO_ENTRY = createError<'MCP_ERR_PLUGIN_NO_ENTRY', [spec: string, detail: string]>(
  'MCP_ERR_PLUGIN_NO_ENTRY',
  'Plugin "%s" has no entry point: %s. Give its package.json an "exports" or "main" that names an existing file, or add an index.ts / index.js')

export const MCP_ERR_PLUGIN_LOAD = createError<'MCP_ERR_PLUGIN_LOAD', [spec: string, file: string, reason: string, cause: Cause]>(
  'MCP_ERR_PLUGIN_LOAD',
  'Plugin "%s" (%s) could not be loaded: %s. Fix the error in that file, or install what it imports')

export const MCP_ERR_PLUGIN_NO_EXPORT = createError<'MCP_ERR_PLUGIN_NO_EXPORT', [spec: string, file: string, found: string]>(
  'MCP_ERR_PLUGIN_NO_EXPORT',
  'Plugin "%s" (%s) does not export a Fastify plugin: its default export (or an export named "plugin") must be a function such as `export default async function (app, opts) {...}`, found %s')

export const MCP_ERR_PLUGIN_REGISTER = createError<'MCP_ERR_PLUGIN_REGISTER', [name: string, where: string, reason: string, cause: Cause]>(
  'MCP_ERR_PLUGIN_REGISTER',
  'Plugin "%s" (%s) failed while registering: %s. Fix the plugin or its options in the configuration, or remove it')

// ---- Start-up: listening on the configured host and port ----

export const MCP_ERR_PORT_IN_USE = createError<'MCP_ERR_PORT_IN_USE', [port: string, host: string, cause: Cause]>(
  'MCP_ERR_PORT_IN_USE',
  'Port %s on %s is already in use by another process: stop that process, or choose another port with PORT (or "port" in the config file; 0 picks a free one)')

export const MCP_ERR_HOST_UNRESOLVED = createError<'MCP_ERR_HOST_UNRESOLVED', [host: string, reason: string, cause: Cause]>(
  'MCP_ERR_HOST_UNRESOLVED',
  'Host "%s" could not be resolved to an address (%s): check HOST (or "host" in the config file); use an IP address such as 127.0.0.1 or 0.0.0.0, or a name this machine resolves')

export const MCP_ERR_HOST_NOT_LOCAL = createError<'MCP_ERR_HOST_NOT_LOCAL', [host: string, cause: Cause]>(
  'MCP_ERR_HOST_NOT_LOCAL',
  'Host "%s" is not an address of this machine, so the server cannot listen on it: set HOST (or "host" in the config file) to one of its addresses, 127.0.0.1 for local use or 0.0.0.0 for every interface')

/** A host error of this platform: an error with an `MCP_ERR_…` code. */
export type HostError = FastifyError & { code: `MCP_ERR_${string}` }

export function isHostError (error: unknown): error is HostError {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && code.startsWith('MCP_ERR_')
}

// ---- Embedding: the mcpPlatform plugin's own options ----

export const MCP_ERR_INVALID_PLATFORM_OPTIONS = createError<'MCP_ERR_INVALID_PLATFORM_OPTIONS', [problems: string]>(
  'MCP_ERR_INVALID_PLATFORM_OPTIONS',
  'Invalid mcpPlatform options: %s. Fix the options passed to app.register(mcpPlatform, …) (see the README\'s embedding section)')

export const MCP_ERR_WEBSOCKET_TWICE = createError<'MCP_ERR_WEBSOCKET_TWICE', []>(
  'MCP_ERR_WEBSOCKET_TWICE',
  'The MCP WebSocket transport is already served by another mcpPlatform on this HTTP server (upgrades are routed server-wide): ' +
  'register the second platform with transports: { websocket: false }, or on a Fastify instance of its own')

// ---- Authorization (docs/security.md) ----

export const MCP_ERR_UNAUTHENTICATED_PUBLIC_BIND = createError<'MCP_ERR_UNAUTHENTICATED_PUBLIC_BIND', [host: string]>(
  'MCP_ERR_UNAUTHENTICATED_PUBLIC_BIND',
  'Refusing to serve %s (not loopback) with no authentication: anyone who reaches this address could call every tool. ' +
  'Turn authentication on (MCP_AUTH=jwt with MCP_JWT_JWKS_URL or MCP_JWT_SECRET, or MCP_AUTH=apikey with MCP_API_KEYS_FILE), ' +
  'bind to 127.0.0.1, or opt in explicitly with MCP_ALLOW_UNAUTHENTICATED_PUBLIC=1 (see docs/security.md)')

export const MCP_ERR_PUBLIC_HOSTS = createError<'MCP_ERR_PUBLIC_HOSTS', [host: string]>(
  'MCP_ERR_PUBLIC_HOSTS',
  'Serving %s (not loopback) needs to know which Host names to answer to (DNS rebinding protection): ' +
  'set MCP_PUBLIC_URL (its host is allowed) or MCP_ALLOWED_HOSTS (a comma-separated list, or * to allow any name explicitly)')

export const MCP_ERR_API_KEYS_FILE = createError<'MCP_ERR_API_KEYS_FILE', [file: string, reason: string]>(
  'MCP_ERR_API_KEYS_FILE',
  'The API keys file %s cannot be used: %s. It must be JSON: { "keys": [{ "sha256": "<hex SHA-256 of the key>", "principal": "<caller name>", "scopes": ["…"] }] } (see docs/security.md)')

export const MCP_ERR_INVALID_SCOPES = createError<'MCP_ERR_INVALID_SCOPES', [what: string, owner: string]>(
  'MCP_ERR_INVALID_SCOPES',
  '%s (plugin "%s") has invalid "scopes": give an array of scope names (printable characters, no spaces or quotes), e.g. scopes: [\'db:read\']')
