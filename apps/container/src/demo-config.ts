/**
 * Where `ctxsiem demo` leaves the configuration it ran with, so the commands that look at a deployment
 * (`status`, `state show`, `deadletter list`, `preview`, …) work from where the demo leaves you: written
 * as `<out>/ctxsiem.yaml`, secrets excluded, and used by those commands when they are given no
 * configuration at all and `out/demo/ctxsiem.yaml` is there.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** The demo's own output folder, and its configuration in it. */
export const DEMO_OUT = join('out', 'demo');
export const DEMO_CONFIG_NAME = 'ctxsiem.yaml';
export const DEMO_CONFIG = join(DEMO_OUT, DEMO_CONFIG_NAME);

/**
 * Where the recorded configuration points the tenant: a standing `ctxsiem emulator --port 8080` (the
 * demo's own emulator, on a free port, stops with it), which serves the demo's data.
 */
export const STANDING_EMULATOR_PORT = 8080;
export const STANDING_EMULATOR_URL = `http://127.0.0.1:${STANDING_EMULATOR_PORT}`;

/** What a secret of the demo (a generated Kafka password) is written as. */
export const UNWRITTEN_SECRET = '(a secret of the demo run: not written)';

/** Every string of `value` that is one of `secrets`, replaced. */
function withoutSecrets(value: unknown, secrets: ReadonlySet<string>): unknown {
  if (typeof value === 'string') return secrets.has(value) ? UNWRITTEN_SECRET : value;
  if (Array.isArray(value)) return value.map((item) => withoutSecrets(item, secrets));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, withoutSecrets(inner, secrets)]),
    );
  return value;
}

/** Writes `config` (the demo's input configuration) to `<out>/ctxsiem.yaml`; returns the file. */
export async function writeDemoConfig(
  out: string,
  config: object,
  secrets: Iterable<string>,
): Promise<string> {
  await mkdir(out, { recursive: true });
  const file = join(out, DEMO_CONFIG_NAME);
  const header = [
    '# The configuration `ctxsiem demo` ran with: the commands that look at a deployment use it when they',
    '# are given none (`./bin/ctxsiem status`, `deadletter list`, `state show`), or pass --config with it.',
    "# The tenant's credential is the built-in emulator's demo client (demo/demo), not a secret. The demo's",
    '# emulator stopped with it; `check`, `preview` and `collect` with this file read the same data from',
    `# a standing one at ${STANDING_EMULATOR_URL}: \`./bin/ctxsiem emulator --port ${STANDING_EMULATOR_PORT} &\`.`,
    '',
  ].join('\n');
  await writeFile(file, `${header}${stringify(withoutSecrets(config, new Set(secrets)))}`);
  return file;
}
