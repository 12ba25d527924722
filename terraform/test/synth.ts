/**
 * Synthesizes environments into a temporary folder for a test, and reads a stack's JSON back with the
 * questions the tests ask of it (resources of a type, a policy document's statements).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildApp } from '../src/app.ts';

export const TERRAFORM = resolve(import.meta.dirname, '..');
export const ROOT = resolve(TERRAFORM, '..');

export type Json = Record<string, unknown>;

export interface SynthesizedStack {
  name: string;
  dir: string;
  json: Json & {
    resource: Record<string, Record<string, Json>>;
    data?: Record<string, Record<string, Json>>;
  };
  /** The resources of `type`, by construct id. */
  resources(type: string): Record<string, Json>;
  resource(type: string, id: string): Json;
  /** A `data.aws_iam_policy_document`'s statements. */
  policy(id: string): Json[];
}

/** Synthesizes `environments` (from `folder`, default terraform/environments) into a temporary outdir. */
export async function synth(
  only: string[],
  folder = join(TERRAFORM, 'environments'),
): Promise<Map<string, SynthesizedStack>> {
  const outdir = mkdtempSync(join(tmpdir(), 'ctxsiem-synth-'));
  const app = await buildApp({ root: ROOT, environments: folder, only, outdir });
  app.synth();
  const stacks = new Map<string, SynthesizedStack>();
  for (const child of app.node.children) stacks.set(child.node.id, readStack(outdir, child.node.id));
  return stacks;
}

export function readStack(outdir: string, name: string): SynthesizedStack {
  const dir = join(outdir, 'stacks', name);
  const json = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as SynthesizedStack['json'];
  const resources = (type: string) => json.resource[type] ?? {};
  return {
    name,
    dir,
    json,
    resources,
    resource(type, id) {
      const found = Object.entries(resources(type)).find(([key]) => key === id || key.startsWith(`${id}_`));
      if (!found)
        throw new Error(`${name} has no ${type} "${id}"; it has: ${Object.keys(resources(type)).join(', ')}`);
      return found[1];
    },
    policy(id) {
      const documents = json.data?.aws_iam_policy_document ?? {};
      const found = Object.entries(documents).find(([key]) => key === id || key.startsWith(`${id}_`));
      if (!found) throw new Error(`${name} has no policy document "${id}"`);
      return found[1].statement as Json[];
    },
  };
}
