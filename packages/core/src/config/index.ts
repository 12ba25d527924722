/** Config helpers: zod schemas parsed into a ConfigError that names each bad field, and their JSON Schema. */

// Parsing into a ConfigError, JSON Schema, and field types configs share (ISO instants, string lists).
export { configJsonSchema, isoInstant, parseConfig, stringList, toIssues } from './config.ts';
// README options tables rendered from the schemas (`node scripts/options-tables.ts --write`).
export {
  isOptionsTableCurrent,
  OPTIONS_TABLES_COMMAND,
  type OptionRow,
  type OptionsTable,
  optionRows,
  readOptionsTable,
  renderOptionsTable,
  replaceOptionsTable,
  schemaKeys,
  tableCells,
  tableEnd,
  tableStart,
} from './options-table.ts';
