/**
 * checkov (pinned, in a cached virtualenv) on every synthesized stack, `--framework terraform_json`:
 * no failed check but those `checkov-waivers.json` lists for that stack with a reason, and no waiver
 * that no stack needs any more.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { exampleEnvironment, synthVariant, withUdmDelivery } from './gcp-variants.ts';
import { type SynthesizedStack, synth, TERRAFORM } from './synth.ts';
import { obtainTool } from './tools.ts';

const run = promisify(execFile);

interface Waiver {
  check: string;
  stacks: '*' | string[];
  resource?: string;
  reason: string;
}
interface Finding {
  check_id: string;
  resource: string;
}

const { waivers } = JSON.parse(readFileSync(join(TERRAFORM, 'checkov-waivers.json'), 'utf8')) as {
  waivers: Waiver[];
};

/** A variant (`prod-gcp (udm)`) is waived as the stack it varies. */
const waives = (waiver: Waiver, stack: string, finding: Finding) =>
  waiver.check === finding.check_id &&
  (waiver.stacks === '*' || waiver.stacks.includes(stack.split(' ')[0]!)) &&
  (!waiver.resource || finding.resource.startsWith(waiver.resource));

let stacks: Map<string, SynthesizedStack>;
const results = new Map<string, { passed: number; failed: Finding[] }>();
beforeAll(async () => {
  stacks = await synth(['dev-aws', 'msp-aws', 'prod-gcp', 'prod-azure', 'prod-private-azure']);
  // prod-gcp delivering UDM itself: its import grant and rules instead of feeds.
  stacks.set(
    'prod-gcp (udm)',
    await synthVariant('prod-gcp', withUdmDelivery(exampleEnvironment('prod-gcp'))),
  );
  const checkov = await obtainTool('checkov');
  for (const [name, stack] of stacks) {
    // checkov exits 1 when a check fails: its report is still on stdout.
    const { stdout } = await run(
      checkov,
      ['-f', join(stack.dir, 'cdk.tf.json'), '--framework', 'terraform_json', '-o', 'json'],
      { maxBuffer: 64 * 1024 * 1024 },
    ).catch((error: { stdout?: string; code?: number; stderr?: string }) => {
      if (error.code === 1 && error.stdout) return { stdout: error.stdout };
      throw new Error(`checkov failed on ${name}: ${error.stderr}`);
    });
    const report = JSON.parse(stdout);
    const { results: found } = Array.isArray(report) ? report[0] : report;
    results.set(name, { passed: found.passed_checks.length, failed: found.failed_checks });
  }
}, 600_000);

describe('checkov on every stack', () => {
  it('fails no check but the waived ones', () => {
    const unwaived: string[] = [];
    for (const [name, { passed, failed }] of results) {
      const waived = failed.filter((finding) => waivers.some((waiver) => waives(waiver, name, finding)));
      console.log(
        `checkov ${name}: ${passed} passed, ${failed.length - waived.length} failed, ${waived.length} waived`,
      );
      for (const finding of failed)
        if (!waived.includes(finding)) unwaived.push(`${name}: ${finding.check_id} on ${finding.resource}`);
    }
    expect(unwaived).toEqual([]);
    expect([...results.values()].every((result) => result.passed > 10)).toBe(true);
  });

  it('keeps no waiver without a reason, or that no stack needs', () => {
    for (const waiver of waivers) expect(waiver.reason.length, waiver.check).toBeGreaterThan(40);
    const unused = waivers.filter(
      (waiver) =>
        ![...results].some(([name, { failed }]) => failed.some((finding) => waives(waiver, name, finding))),
    );
    expect(unused.map((waiver) => waiver.check)).toEqual([]);
  });
});
