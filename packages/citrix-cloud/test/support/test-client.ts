/** Builds clients pointed at a fake Citrix with fast backoff, and collects error text for secret scans. */
import { CitrixCloudClient, type CitrixCloudConfigInput, type CitrixCloudDeps } from '../../src/index.ts';
import { type FakeCitrix, startFakeCitrix } from './fake-citrix.ts';

export const TEST_SECRET = 'demo-secret-value';

export function testClient(
  fake: Pick<FakeCitrix, 'url'>,
  overrides: Partial<CitrixCloudConfigInput> = {},
  deps: CitrixCloudDeps = {},
): CitrixCloudClient {
  return new CitrixCloudClient(
    {
      customerId: 'acme',
      clientId: 'demo',
      clientSecret: TEST_SECRET,
      apiBase: fake.url,
      backoff: { baseMs: 5, maxMs: 40 },
      requestTimeoutMs: 5_000,
      ...overrides,
    },
    deps,
  );
}

/**
 * The fakes and clients one test file starts, closed together after each test:
 * `const t = testResources(); afterEach(t.close);`.
 */
export function testResources() {
  const servers: FakeCitrix[] = [];
  const clients: CitrixCloudClient[] = [];
  return {
    async fakeCitrix(options: Parameters<typeof startFakeCitrix>[0] = {}): Promise<FakeCitrix> {
      const fake = await startFakeCitrix(options);
      servers.push(fake);
      return fake;
    },
    client(...args: Parameters<typeof testClient>): CitrixCloudClient {
      const client = testClient(...args);
      clients.push(client);
      return client;
    },
    async close(): Promise<void> {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await Promise.all(servers.splice(0).map((s) => s.close()));
    },
  };
}

/** Every message in an error's cause chain, with its stack, as one string. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? '', ownFields(current));
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join('\n');
}

/** Runs `promise`, expecting a rejection, and returns the error. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the call succeeded');
}

function ownFields(error: Error): string {
  try {
    return JSON.stringify(error);
  } catch {
    return Object.keys(error).join(',');
  }
}
