import { CheckpointConflictError, type DocumentStore, type JsonRecord } from '../src/index.ts';

/** A document store in memory with the contract's conditional writes; it counts writes. */
export function memoryDocuments(): DocumentStore & { writes: number } {
  const documents = new Map<string, { document: JsonRecord; version: string }>();
  let versions = 0;
  return {
    writes: 0,
    async read(key) {
      return documents.get(key);
    },
    async write(key, document, ifVersion) {
      if (documents.get(key)?.version !== ifVersion) throw new CheckpointConflictError(key, 'stale');
      this.writes++;
      const version = String(++versions);
      documents.set(key, { document: structuredClone(document), version });
      return version;
    },
    async delete(key) {
      documents.delete(key);
    },
    async list(prefix = '') {
      return [...documents.keys()].filter((key) => key.startsWith(prefix)).sort();
    },
  };
}
