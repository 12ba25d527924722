/**
 * Variants of an example environment the Google Cloud tests synthesize: the file edited, written to a
 * temporary folder under its own name, and its stack read back.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Json, type SynthesizedStack, synth, TERRAFORM } from './synth.ts';

/** An example environment file (`terraform/environments/<name>.json`), parsed, to edit. */
export const exampleEnvironment = (name: string): Json =>
  JSON.parse(readFileSync(join(TERRAFORM, 'environments', `${name}.json`), 'utf8'));

/** `environment` delivering UDM to SecOps itself (`gcp.delivery: "udm"`): no feed reader. */
export function withUdmDelivery<T extends Json>(environment: T): T {
  const gcp = environment.gcp as Json;
  gcp.delivery = 'udm';
  delete gcp.secopsReader;
  return environment;
}

/** The stack of `environment` synthesized as the environment `name`. */
export async function synthVariant(name: string, environment: Json): Promise<SynthesizedStack> {
  const folder = mkdtempSync(join(tmpdir(), `ctxsiem-${name}-variant-`));
  writeFileSync(join(folder, `${name}.json`), JSON.stringify(environment));
  return (await synth([name], folder)).get(name)!;
}
