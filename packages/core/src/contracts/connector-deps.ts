/** What every connector factory is handed: narrow dependencies, constructible in tests. */
import type { Clock } from '../clock/clock.ts';
import type { Logger } from '../logging/logger.ts';
import type { DocumentStore } from './document-store.ts';

/** Narrow dependencies handed to factories; constructible in tests. */
export interface ConnectorDeps {
  logger: Logger;
  clock: Clock;
  signal?: AbortSignal;
  /** Secret values to scrub from logs; connectors register tokens they obtain. */
  secrets?: { add(value: string | undefined): void };
  /**
   * Conditional JSON documents beside the checkpoints (the checkpoint store's): where a sink that
   * cannot read its parts back keeps its delivery ledger.
   */
  documents?: DocumentStore;
  /**
   * Resolves a secret reference in a connector's config (`env:`, `file:`, `secretsmanager:`,
   * `gcpsecret:`, else the literal value) and registers the value for redaction. `field` names it in
   * errors.
   */
  resolveSecret?: (reference: string, field: string) => Promise<string>;
}
