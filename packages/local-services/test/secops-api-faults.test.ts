/**
 * The SecOps contract server's SIEM-side faults (the chaos pass draws them): a 5xx after the commit,
 * accept-then-drop, a long 429 RESOURCE_EXHAUSTED with Retry-After, drawn from a seeded PRNG and
 * switched at runtime; every accepted body's digest recorded; `nextRequest` while a request is in flight.
 */
import { createHash, createSign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SecOpsApi, startSecOpsApi } from '../src/index.ts';

let api: SecOpsApi;
let token: string;

async function accessToken(): Promise<string> {
  const key = JSON.parse(api.serviceAccountKey) as { client_email: string; private_key: string };
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({
    iss: key.client_email,
    aud: 'https://oauth2.googleapis.com/token',
    scope: 'https://www.googleapis.com/auth/cloud-platform',
    iat: now,
    exp: now + 3600,
  })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(key.private_key, 'base64url');
  const response = await fetch(api.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: `${unsigned}.${signature}`,
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** A valid logs:import body of `texts`. */
function importBody(...texts: string[]): string {
  const at = new Date().toISOString();
  return JSON.stringify({
    inlineSource: {
      logs: texts.map((text) => ({
        data: Buffer.from(text).toString('base64'),
        logEntryTime: at,
        collectionTime: at,
      })),
    },
  });
}

const post = (body: string) =>
  fetch(`${api.endpoint}/v1/projects/p/locations/us/instances/i/logTypes/CITRIX_MONITOR/logs:import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
const sha256 = (body: string) => createHash('sha256').update(body).digest('hex');

beforeAll(async () => {
  api = await startSecOpsApi();
  token = await accessToken();
});
afterAll(() => api.close());

describe('the SecOps contract server’s SIEM-side faults', () => {
  it('a 5xx after the commit stores the logs; a byte-identical resend is the same digest accepted twice', async () => {
    const body = importBody('a', 'b');
    api.failNext({ status: 503, committed: true });
    expect((await post(body)).status).toBe(503);
    expect((await post(body)).status).toBe(200);
    expect(api.acceptedBodies).toEqual([
      { sha256: sha256(body), logs: 2 },
      { sha256: sha256(body), logs: 2 },
    ]);
    expect(api.accepted.map((log) => [log.text, log.body])).toEqual([
      ['a', sha256(body)],
      ['b', sha256(body)],
      ['a', sha256(body)],
      ['b', sha256(body)],
    ]);
  });

  it('accept-then-drop stores the logs and answers nothing; a long 429 stores nothing and asks for tens of seconds', async () => {
    const accepted = api.accepted.length;
    api.setFaults({ seed: 1, acceptThenDrop: 1 });
    await expect(post(importBody('c'))).rejects.toThrow();
    expect(api.accepted.slice(accepted).map((log) => log.text)).toEqual(['c']);
    api.setFaults({ seed: 1, longRetryAfter: { rate: 1, minSeconds: 20, maxSeconds: 90 } });
    const response = await post(importBody('d'));
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(20);
    expect(retryAfter).toBeLessThanOrEqual(90);
    const error = (
      (await response.json()) as { error: { status: string; details: { retryDelay: string }[] } }
    ).error;
    expect(error.status).toBe('RESOURCE_EXHAUSTED');
    expect(error.details[0]?.retryDelay).toBe(`${retryAfter}s`);
    expect(api.accepted.slice(accepted).map((log) => log.text)).toEqual(['c']);
    expect(api.stats.faults).toMatchObject({ acceptThenDrop: 1, longRetryAfter: 1 });
    api.setFaults(undefined);
    expect((await post(importBody('e'))).status).toBe(200);
  });

  it('draws the same faults from the same seed', async () => {
    const draw = async () => {
      api.setFaults({ seed: 7, rate429: 0.3, rate5xx: 0.3 });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await post(importBody(`s${i}`))).status);
      api.setFaults(undefined);
      return statuses;
    };
    const first = await draw();
    expect(new Set(first).size).toBeGreaterThan(1);
    expect(await draw()).toEqual(first);
  });

  it('nextRequest resolves while the request is in flight, before its (slow) answer', async () => {
    api.setFaults({ seed: 1, slowRate: 1, slowMs: 300 });
    let answered = false;
    const arrived = api.nextRequest();
    const sent = post(importBody('f')).then((response) => {
      answered = true;
      return response.status;
    });
    await arrived;
    expect(answered).toBe(false);
    expect(await sent).toBe(200);
    api.setFaults(undefined);
  });
});
