/** The explorer page's setting, shared by the platform options and the server's configuration. */
import { Type, type Static } from '@sinclair/typebox'

export const ExplorerOptionsSchema = Type.Object({
  /**
   * `loopback` (default): served only while the server listens on a loopback
   * address, so a public deployment never shows it by accident; true: always;
   * false: never (the path answers 404).
   */
  enabled: Type.Union([Type.Boolean(), Type.Literal('loopback')], { default: 'loopback' }),
  /** Where the page is, under the prefix the platform is registered with. */
  path: Type.String({ pattern: '^/[A-Za-z0-9._~/-]*$', default: '/explorer' })
}, { additionalProperties: false, default: {} })

export type ExplorerSettings = Static<typeof ExplorerOptionsSchema>

/** What an embedder writes: a boolean, or the settings (each optional). */
export type ExplorerOption = boolean | Partial<ExplorerSettings>
