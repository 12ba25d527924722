import { describe, expect, it } from 'vitest';
import { spreadOrder } from '../src/runner/spread.ts';

const tenants = Array.from({ length: 30 }, (_, i) => `tenant${String(i).padStart(2, '0')}`);
const byName = (name: string) => name;

describe('spreadOrder: the order a replica attempts its work in', () => {
  it('is a permutation, the same for the same seed', () => {
    const order = spreadOrder(tenants, byName, 'host:12:abcd/0');
    expect(order.toSorted()).toEqual(tenants);
    expect(order).not.toEqual(tenants);
    expect(spreadOrder(tenants, byName, 'host:12:abcd/0')).toEqual(order);
  });

  it('differs between replicas and between ticks', () => {
    const replicas = ['a:1:x', 'b:1:y', 'c:1:z'].map((id) => spreadOrder(tenants, byName, `${id}/0`));
    // Three replicas start on three different tenants, and their first thirds mostly differ.
    expect(new Set(replicas.map((order) => order[0])).size).toBe(3);
    const firstThirds = replicas.map((order) => new Set(order.slice(0, 10)));
    const shared = [...firstThirds[0]!].filter((t) => firstThirds[1]!.has(t) && firstThirds[2]!.has(t));
    expect(shared.length).toBeLessThan(5);
    expect(spreadOrder(tenants, byName, 'a:1:x/1')).not.toEqual(replicas[0]);
  });

  it('puts no tenant last more than its share over many ticks', () => {
    const last = new Map<string, number>();
    for (let tick = 0; tick < 3000; tick++) {
      const name = spreadOrder(tenants, byName, `replica/${tick}`).at(-1)!;
      last.set(name, (last.get(name) ?? 0) + 1);
    }
    // 100 expected each; a fair permutation stays well within 50–170.
    expect(last.size).toBe(30);
    for (const count of last.values()) expect(count).toBeGreaterThan(50);
    for (const count of last.values()) expect(count).toBeLessThan(170);
  });

  it('keeps items of equal keys in their order, and an empty list empty', () => {
    expect(
      spreadOrder(
        [
          { k: 'x', n: 1 },
          { k: 'x', n: 2 },
        ],
        (i) => i.k,
        's',
      ).map((i) => i.n),
    ).toEqual([1, 2]);
    expect(spreadOrder([], byName, 's')).toEqual([]);
  });
});
