import { fileSink } from './sink.ts';

export { fileCheckpointStore } from './checkpoint.ts';
export * from './config.ts';
export { readStoredFiles, readStoredRecords, type StoredFile } from './read-back.ts';
export { fileSink };
export default fileSink;
