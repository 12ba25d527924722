/**
 * The contracts as one module, as they were before each got its own file: kept only for a module
 * written against that path while the split landed (`object-store/`). Import a contract from its own
 * file (`pull-source.ts`, `stream-source.ts`, `sink.ts`, `checkpoint-store.ts`, `document-store.ts`,
 * `connector-deps.ts`, `records.ts`); this file goes once nothing imports it.
 */
export * from './checkpoint-store.ts';
export * from './connector-deps.ts';
export * from './document-store.ts';
export * from './pull-source.ts';
export * from './records.ts';
export * from './sink.ts';
export * from './stream-source.ts';
