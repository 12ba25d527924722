/**
 * Runs OpenTofu on a synthesized stack with no network: providers from the filesystem mirror
 * `obtain.sh azurerm` builds, a CLI config pointing at it, and — for `plan` — azurerm authenticated as a
 * managed identity whose token endpoint is a local stub (an unsigned JWT carrying oid/tid/appid), with
 * resource provider registration off, so planning calls no Azure API. The stack's JSON is copied
 * unchanged; `zz_override.tf.json` beside it swaps the provider settings and the backend.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { obtainTool } from './tools.ts';

const run = promisify(execFile);

export const TEST_TENANT = '00000000-0000-4000-8000-00000000c0de';
export const TEST_SUBSCRIPTION = '00000000-0000-4000-8000-0000005ab5c1';
export const TEST_OBJECT_ID = '00000000-0000-4000-8000-0000000b1ec7';

/** A local stand-in for the managed identity token endpoint (IMDS), answering any resource. */
export async function startMsiStub(): Promise<{ url: string; requests: number; close(): Promise<void> }> {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const state = { requests: 0 };
  const server: Server = createServer((request, response) => {
    state.requests++;
    const resource =
      new URL(request.url ?? '/', 'http://stub').searchParams.get('resource') ??
      'https://management.azure.com/';
    const now = Math.floor(Date.now() / 1000);
    const token = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({
      oid: TEST_OBJECT_ID,
      tid: TEST_TENANT,
      appid: '00000000-0000-4000-8000-0000000a99d0',
      aud: resource,
      iat: now,
      nbf: now,
      exp: now + 3600,
    })}.`;
    response.setHeader('content-type', 'application/json');
    response.end(
      JSON.stringify({
        access_token: token,
        token_type: 'Bearer',
        resource,
        expires_in: '3600',
        expires_on: String(now + 3600),
        not_before: String(now),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/metadata/identity/oauth2/token`,
    get requests() {
      return state.requests;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface TofuStack {
  dir: string;
  /** `tofu <args>` in the stack's folder; its stdout. */
  tofu(...args: string[]): Promise<string>;
}

/** A copy of `stackDir` ready for `tofu init` from the mirror, its provider pointed at `msiEndpoint`. */
export async function tofuStack(stackDir: string, msiEndpoint: string): Promise<TofuStack> {
  const [tofu, mirror] = await Promise.all([obtainTool('tofu'), obtainTool('azurerm')]);
  const dir = mkdtempSync(join(tmpdir(), 'ctxsiem-tofu-'));
  cpSync(stackDir, dir, { recursive: true });
  writeFileSync(
    join(dir, 'zz_override.tf.json'),
    JSON.stringify({
      terraform: { backend: { local: { path: 'terraform.tfstate' } } },
      provider: {
        azurerm: {
          features: [{}],
          use_msi: true,
          msi_endpoint: msiEndpoint,
          tenant_id: TEST_TENANT,
          subscription_id: TEST_SUBSCRIPTION,
          resource_provider_registrations: 'none',
        },
      },
    }),
  );
  const home = join(dir, '.tofu-home');
  mkdirSync(home);
  const cliConfig = join(home, 'tofurc');
  writeFileSync(
    cliConfig,
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/*/*", "registry.opentofu.org/*/*"]\n  }\n}\n`,
  );
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    // No proxy, no network: the stub is on loopback.
    NO_PROXY: '127.0.0.1,localhost',
  };
  return {
    dir,
    async tofu(...args: string[]) {
      try {
        const { stdout } = await run(tofu, args, {
          cwd: dir,
          env,
          maxBuffer: 256 * 1024 * 1024,
          timeout: 300_000,
        });
        return stdout;
      } catch (error) {
        const failure = error as { stdout?: string; stderr?: string; message: string };
        throw new Error(
          `tofu ${args.join(' ')} failed:\n${failure.stderr || failure.stdout || failure.message}`,
        );
      }
    },
  };
}

/** A resource of `tofu show -json`'s planned values. */
export interface PlannedResource {
  address: string;
  type: string;
  name: string;
  values: Record<string, unknown>;
}
/** What the tests read of `tofu show -json plan.bin`. */
export interface Plan {
  planned_values: {
    root_module: { resources: PlannedResource[] };
    outputs?: Record<string, { value: unknown }>;
  };
  configuration: {
    root_module: {
      resources: {
        address: string;
        expressions: Record<string, { references?: string[] }>;
        depends_on?: string[];
      }[];
    };
  };
  resource_changes: { address: string; change: { actions: string[] } }[];
}

/** The questions the tests ask of a plan: resources of a type, and what an attribute refers to. */
export function planQueries(plan: () => Plan) {
  return {
    planned: (type: string) => plan().planned_values.root_module.resources.filter((r) => r.type === type),
    references: (address: string, attribute: string) =>
      plan().configuration.root_module.resources.find((r) => r.address === address)?.expressions[attribute]
        ?.references ?? [],
  };
}
