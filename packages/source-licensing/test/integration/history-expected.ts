/**
 * A month of history as the history stream should deliver it, from the emulator's own answer: the
 * month's user and device figures, the product's figures for the same month (`xenAppXenDesktopUsage`),
 * the kind of history and the edition — every field Citrix documents — under the month, its state and
 * the day they stand for.
 */
import type { JsonRecord } from '@ctxsiem/core';
import { historicalUsage } from '@ctxsiem/emulator';

export function expectedMonth(
  seed: number,
  month: string,
  state: 'open' | 'closed',
  stamp: { asOf: string; collectedAt: string },
  now: number,
): JsonRecord {
  const answer = historicalUsage(
    seed,
    'demo',
    new URLSearchParams({ startDate: month, endDate: month }),
    now,
  );
  const [entry] = answer.historicalUsageList as JsonRecord[];
  const [product] = answer.xenAppXenDesktopHistoricalUsageList as JsonRecord[];
  return {
    month,
    state,
    ...stamp,
    historicalUsageType: 'Monthly',
    productEdition: answer.productEdition,
    ...entry,
    xenAppXenDesktopUsage: product,
  };
}
