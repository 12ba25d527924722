/** The document store contract: JSON documents beside the checkpoints, with conditional writes like them. */
import type { JsonRecord } from './records.ts';

/** A JSON document stored beside the checkpoints, with conditional writes like them. */
export interface DocumentStore {
  read(key: string): Promise<{ document: JsonRecord; version: string } | undefined>;
  /** Writes only if the stored version still equals `ifVersion` (undefined = must not exist yet). */
  write(key: string, document: JsonRecord, ifVersion: string | undefined): Promise<string>;
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix`, sorted. */
  list(prefix?: string): Promise<string[]>;
}
