import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, SecretRegistry, SourceError } from '../src/index.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

describe('logger redaction', () => {
  const secret = 'sk_live_9f8e7d6c5b4a';
  const token = 'eyJhbGciOiJSUzI1NiJ9.payload.signature';

  it('never writes a registered secret, by key or by value, anywhere in a line', () => {
    const secrets = new SecretRegistry();
    secrets.add(secret);
    secrets.add(token);
    const { lines, destination } = capture();
    const logger = createLogger({ secrets, destination, level: 'debug' });

    logger.info({ config: { clientId: 'demo', clientSecret: secret } }, 'starting');
    logger.info({ headers: { Authorization: `CwsAuth Bearer=${token}` } }, 'request');
    logger.warn({ url: `https://api.cloud.com/x?token=${token}` }, `retrying with ${secret} in the message`);
    logger.error(
      {
        err: new SourceError('HTTP_401', `rejected token ${token}`, { cause: new Error(`inner ${secret}`) }),
      },
      'failed',
    );
    logger.debug({ nested: { deeper: { list: [secret, { password: 'hunter2-long' }] } } }, 'nested');
    logger.child({ token }).info('child logger');

    expect(lines.length).toBe(6);
    for (const line of lines) {
      expect(line).not.toContain(secret);
      expect(line).not.toContain(token);
      expect(line).not.toContain('hunter2-long');
    }
    expect(lines.join('')).toContain('[REDACTED]');
    expect(lines[0]).toContain('"clientId":"demo"');
  });

  it('writes JSON lines with an ISO time and a level name', () => {
    const { lines, destination } = capture();
    createLogger({ destination }).info({ records: 3 }, 'done');
    const parsed = JSON.parse(lines[0]!);
    expect(parsed).toMatchObject({ level: 'info', msg: 'done', records: 3 });
    expect(new Date(parsed.time).toISOString()).toBe(parsed.time);
  });
});
