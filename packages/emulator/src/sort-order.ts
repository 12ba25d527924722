/** Ordering of row values and multi-column sort keys, shared by Monitor and casodata queries. */
import type { OrderTerm } from './odata-query.ts';

/** Orders null first, then by value (numbers, strings, booleans); like SQL Server for ascending order. */
export function compareSortValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  return (a as number | string) < (b as number | string) ? -1 : 1;
}

/** Compares two sort keys (one value per term), honouring each term's direction. */
export function compareTuples(
  a: readonly unknown[],
  b: readonly unknown[],
  terms: readonly OrderTerm[],
): number {
  for (let i = 0; i < terms.length; i++) {
    const c = compareSortValues(a[i], b[i]);
    if (c !== 0) return terms[i]?.descending ? -c : c;
  }
  return 0;
}
