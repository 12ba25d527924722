/** What every object sink's and checkpoint store's config shares: layout options, their docs, the seeds' environment. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  objectCheckpointShape,
  objectSinkShape,
  objectStoreEnv,
  streamThresholdSchema,
} from '../src/index.ts';

const names = { variable: 'X', bucketError: 'must name an X bucket', name: 'key', prefixNoun: 'Key' };
const sink = z.object(objectSinkShape('x', names)).strict();
const store = z.object(objectCheckpointShape('x', names)).strict();

describe('object store configs', () => {
  it('default the layout: no prefix, no gzip for parts; _state for checkpoints', () => {
    expect(sink.parse({ bucket: 'logs' })).toEqual({ type: 'x', bucket: 'logs', prefix: '', gzip: false });
    expect(store.parse({ bucket: 'logs' })).toEqual({ type: 'x', bucket: 'logs', prefix: '_state' });
    expect(streamThresholdSchema('Streamed above.').parse(undefined)).toBe(8 * 1024 * 1024);
  });

  it("speak the service's words", () => {
    expect(sink.safeParse({ bucket: 'ab' }).error?.issues[0]?.message).toBe('must name an X bucket');
    expect(sink.shape.prefix.description).toMatch(/^Key prefix \(X_PREFIX\)/);
    expect(sink.shape.gzip.description).toMatch(/keys end in \.ndjson\.gz/);
    expect(store.shape.legacyKey.description).toMatch(/^Key of a seed collector's state\.json/);
    expect(store.shape.prefix.description).toMatch(/_ctxsiem\/\{X_PREFIX\}\/state/);
  });

  it("read the seeds' environment: beside the data prefix by default, under it with SEED_LAYOUT", () => {
    const env = objectStoreEnv({
      names,
      connection: { variables: { endpoint: 'X_ENDPOINT' }, read: (e) => ({ endpoint: e.X_ENDPOINT }) },
      defaultLegacyKey: (prefix) => `${prefix}/state.json`,
    });
    const vars = { X_BUCKET: 'b', X_PREFIX: '/citrix/', GZIP: 'true', X_ENDPOINT: 'http://e' };
    expect(env.sink.read(vars)).toEqual({ bucket: 'b', prefix: 'citrix', gzip: true, endpoint: 'http://e' });
    expect(env.checkpoint.read(vars)).toEqual({
      bucket: 'b',
      prefix: '_ctxsiem/citrix/state',
      previousPrefix: 'citrix/_state',
      legacyKey: 'citrix/state.json',
      endpoint: 'http://e',
    });
    const seed = { ...vars, SEED_LAYOUT: 'true', STATE_KEY: 'k.json' };
    expect(env.sink.read(seed)).toMatchObject({ deadLetterPrefix: 'citrix/_deadletter' });
    expect(env.checkpoint.read(seed)).toMatchObject({ prefix: 'citrix/_state', legacyKey: 'k.json' });
    expect(env.checkpoint.variables).toMatchObject({ bucket: 'X_BUCKET', legacyKey: 'STATE_KEY' });
  });
});
