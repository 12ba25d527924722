/**
 * The stacks of the small example environments, as Terraform receives them: a change to what is
 * synthesized shows up here as a diff to review (update with `vitest -u`). The artifacts' content hashes
 * in asset paths are replaced by `<hash>`: a rebuilt zip is not a change of the stack.
 */
import { describe, expect, it } from 'vitest';
import { synth } from './synth.ts';

const stable = (json: unknown) =>
  `${JSON.stringify(json, null, 2).replace(/assets\/([\w-]+)\/[0-9A-F]{32}\//g, 'assets/$1/<hash>/')}\n`;

describe('synthesized stacks', () => {
  it.each(['dev-aws', 'prod-azure'])('%s', async (name) => {
    const stack = (await synth([name])).get(name)!;
    await expect(stable(stack.json)).toMatchFileSnapshot(`__snapshots__/${name}.tf.json`);
  });
});
