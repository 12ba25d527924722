import { fileSink } from './sink.ts';

export { fileCheckpointStore } from './checkpoint.ts';
export * from './config.ts';
export { fileSink };
export default fileSink;
