/**
 * Whether a PromQL expression reads only what is there: it parses, every metric it selects is a series
 * Prometheus stores, and every label it matches, aggregates by or matches on is one those series carry
 * — against the series of a real exposition (`scrapedSeries`), never a list kept by hand.
 */
import type { ExposedSeries } from './prometheus-exposition.ts';
import { type Grouping, promqlReferences } from './promql-references.ts';

/**
 * What is wrong with `expr` against `series` (empty when nothing is). An exact matcher (`=`, `!=`) on a
 * label whose values the exposition showed must name one of them (a Grafana variable, `$…`, is taken as
 * any value); the target labels (`job`, `instance`), whose values come from the scrape configuration,
 * match anything.
 */
export function promqlProblems(expr: string, series: ReadonlyMap<string, ExposedSeries>): string[] {
  const { selectors, groupings, errors } = promqlReferences(expr);
  const problems = errors.map((e) => `syntax error at ${e.at}, near \`${e.near}\``);
  for (const s of selectors) {
    if (s.metric === undefined) {
      problems.push(`a selector at ${s.at} names no metric exactly`);
      continue;
    }
    const known = series.get(s.metric);
    if (!known) {
      problems.push(`${s.metric} is not a series the daemon exports${nearest(s.metric, series)}`);
      continue;
    }
    for (const m of s.matchers) {
      const values = known.labels.get(m.label);
      if (!values) problems.push(`${s.metric} has no label ${m.label} (it has ${labelList(known)})`);
      else if (
        (m.op === '=' || m.op === '!=') &&
        values.size > 0 &&
        !m.value.includes('$') &&
        !values.has(m.value)
      )
        problems.push(
          `${s.metric}{${m.label}${m.op}"${m.value}"}: the daemon exports ${m.label} values ${[...values].join(', ')}`,
        );
    }
  }
  for (const g of groupings) problems.push(...groupingProblems(g, series));
  return problems;
}

/** by/without/on/ignoring labels must be on every series the clause covers; group_left/right ones on some. */
function groupingProblems(g: Grouping, series: ReadonlyMap<string, ExposedSeries>): string[] {
  const covered = g.metrics.flatMap((m) => series.get(m) ?? []);
  if (covered.length === 0) return [];
  const carriedBySome = g.kind === 'group_left' || g.kind === 'group_right';
  return g.labels.flatMap((label) => {
    const carrying = covered.filter((s) => s.labels.has(label));
    const fine = carriedBySome ? carrying.length > 0 : carrying.length === covered.length;
    if (fine) return [];
    const missing = covered.filter((s) => !s.labels.has(label)).map((s) => s.name);
    return [`${g.kind} (${label}) at ${g.at}: ${missing.join(', ')} carries no label ${label}`];
  });
}

const labelList = (s: ExposedSeries) => [...s.labels.keys()].join(', ') || 'none';

/** A hint for a misspelt name: the exported series sharing its longest prefix. */
function nearest(name: string, series: ReadonlyMap<string, ExposedSeries>): string {
  let best = '';
  let bestLength = 0;
  for (const candidate of series.keys()) {
    let n = 0;
    while (n < name.length && name[n] === candidate[n]) n++;
    if (n > bestLength) [best, bestLength] = [candidate, n];
  }
  return bestLength >= 8 ? ` (nearest: ${best})` : '';
}
