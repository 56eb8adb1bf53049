/** The tools' input and output schemas (TypeBox), so handler arguments are typed and results validated. */
import { Type } from '@sinclair/typebox'

export const QueryInput = Type.Object({
  sql: Type.String({ minLength: 1, maxLength: 100_000, description: 'One read-only SQL statement' }),
  params: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]), {
    maxItems: 100,
    description: 'Values for the positional parameters, in order'
  }))
}, { additionalProperties: false })

export const QueryOutput = Type.Object({
  columns: Type.Array(Type.String(), { description: 'Column names, in order' }),
  rows: Type.Array(Type.Array(Type.Unknown()), { description: 'Each row as an array of values, in column order' }),
  rowCount: Type.Integer({ minimum: 0, description: 'Rows returned' }),
  truncated: Type.Boolean({ description: 'True when more rows existed beyond the row cap, or the byte budget cut cells or rows' })
})

const TableType = Type.Union([Type.Literal('table'), Type.Literal('view')])

export const ListTablesInput = Type.Object({}, { additionalProperties: false })

export const ListTablesOutput = Type.Object({
  dialect: Type.String({ description: 'The SQL dialect and version' }),
  tables: Type.Array(Type.Object({ name: Type.String(), type: TableType }))
})

export const DescribeTableInput = Type.Object({
  table: Type.String({ minLength: 1, maxLength: 256, description: 'A table or view name, as db_list_tables lists it' })
}, { additionalProperties: false })

export const DescribeTableOutput = Type.Object({
  name: Type.String(),
  type: TableType,
  columns: Type.Array(Type.Object({
    name: Type.String(),
    type: Type.String(),
    nullable: Type.Boolean(),
    default: Type.Union([Type.String(), Type.Null()]),
    primaryKey: Type.Integer({ minimum: 0, description: 'Position in the primary key from 1; 0 when not part of it' })
  })),
  foreignKeys: Type.Array(Type.Object({
    columns: Type.Array(Type.String()),
    referencedTable: Type.String(),
    referencedColumns: Type.Array(Type.String())
  })),
  indexes: Type.Array(Type.Object({ name: Type.String(), columns: Type.Array(Type.String()), unique: Type.Boolean() }))
})

export const ExploreArguments = Type.Object({
  topic: Type.Optional(Type.String({ description: 'What to find out, e.g. "which customers spend the most" (optional)' }))
})
