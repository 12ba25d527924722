import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, configJsonSchema, parseConfig } from '../src/index.ts';

const schema = z.object({
  sink: z.object({ bucket: z.string().min(3) }),
  tenants: z.array(z.object({ id: z.string() })),
});

describe('parseConfig', () => {
  it('names every bad field by its path', () => {
    try {
      parseConfig('test', schema, { sink: { bucket: 'x' }, tenants: [{ id: 1 }] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const issues = (error as ConfigError).issues.map((i) => i.path);
      expect(issues).toEqual(['sink.bucket', 'tenants[0].id']);
      expect((error as ConfigError).message).toContain('sink.bucket');
    }
  });

  it('emits a JSON Schema that parses', () => {
    const json = JSON.stringify(configJsonSchema(schema));
    expect(JSON.parse(json)).toMatchObject({ type: 'object' });
  });
});
