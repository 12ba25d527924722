export * from './config.ts';
export * from './connector.ts';
export * from './generated-source.ts';
export * from './seeded-random.ts';
