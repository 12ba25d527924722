export * from './counting-sink.ts';
export * from './generated-source.ts';
export * from './seeded-random.ts';
export * from './test-checkpoint-store.ts';
export * from './test-logs.ts';
export * from './test-object-store-runs.ts';
export * from './test-sink.ts';
export * from './test-source.ts';
