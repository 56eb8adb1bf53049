/**
 * `@mcp-platform/server/testing`: what the project's tests and plugin authors
 * use to run the server in a test. Independent of the test runner: functions
 * that clean up take any `{ teardown (fn) }` (tap's `t` is one).
 */
export { buildTestApp, startTestServer, TEST_STATE_SECRET, type Teardown, type TestServer } from './app.ts'
export { createInjectClient, McpRequestError, type InjectClient, type InjectClientOptions } from './inject-client.ts'
export { legacyInitialize, legacyRequest, modernRequest, rawPost, readAnswer, type ModernRequestOptions, type RawAnswer } from './http-client.ts'
export { encodeHeaderValue, LEGACY_VERSION, META, MODERN_VERSION, modernEnvelope, modernHeaders } from './envelope.ts'
export { parseSse } from './sse.ts'
export { deferred, until, within } from './wait.ts'
