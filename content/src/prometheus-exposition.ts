/**
 * The series a `/metrics` page makes queryable, read from its text the way Prometheus reads it — the
 * text exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format):
 * `# TYPE <family> <type>` lines declare each family; each sample line names one series with its
 * labels. A histogram family `f` is queried only as `f_bucket` (with `le`), `f_sum` and `f_count`; a
 * summary as `f` (with `quantile`), `f_sum` and `f_count`; a counter by the name its samples carry (in
 * 0.0.4 that is the family's own name, `…_total` included; OpenMetrics' `f_total`/`f_created` are
 * accepted too). Then what the scrape adds
 * (https://prometheus.io/docs/concepts/jobs_instances/#automatically-generated-labels-and-time-series):
 * `job` and `instance` on every series, and the `up` and `scrape_*` series of each target.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface ExposedSeries {
  /** The name a query selects: `ctxsiem_records_total`, `ctxsiem_stream_duration_seconds_bucket`. */
  name: string;
  /** The `# TYPE` family it belongs to. */
  family: string;
  type: MetricType;
  /** Each label the series carries, with the values seen. */
  labels: Map<string, Set<string>>;
}

export interface Exposition {
  series: Map<string, ExposedSeries>;
  /** Families declared by `# TYPE` that no sample line showed (a labelled metric nothing observed yet). */
  unobserved: string[];
}

const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** The series of an exposition text; throws on a sample of no declared family or a malformed line. */
export function parseExposition(text: string): Exposition {
  const families = new Map<string, MetricType>();
  const series = new Map<string, ExposedSeries>();
  const observed = new Set<string>();
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (type) {
        const kind = type[2] as MetricType;
        if (!TYPES.has(kind)) throw new Error(`line ${index + 1}: unknown metric type ${kind}`);
        families.set(type[1] as string, kind);
      }
      return; // # HELP and comments
    }
    const sample = parseSample(line, index + 1);
    const family = familyOf(sample.name, sample.labels, families);
    if (!family)
      throw new Error(`line ${index + 1}: ${sample.name} belongs to no # TYPE family declared before it`);
    observed.add(family);
    const entry = series.get(sample.name) ?? {
      name: sample.name,
      family,
      type: families.get(family) as MetricType,
      labels: new Map<string, Set<string>>(),
    };
    for (const [label, value] of sample.labels) {
      const values = entry.labels.get(label) ?? new Set<string>();
      values.add(value);
      entry.labels.set(label, values);
    }
    series.set(sample.name, entry);
  });
  return { series, unobserved: [...families.keys()].filter((f) => !observed.has(f)) };
}

/** The family a sample's name belongs to, by the suffixes its family's type allows. */
function familyOf(
  name: string,
  labels: Map<string, string>,
  families: Map<string, MetricType>,
): string | undefined {
  const candidates: Array<[string | undefined, (type: MetricType) => boolean]> = [
    [
      name,
      (t) =>
        t === 'counter' || t === 'gauge' || t === 'untyped' || (t === 'summary' && labels.has('quantile')),
    ],
    [strip(name, '_bucket'), (t) => t === 'histogram' && labels.has('le')],
    [strip(name, '_sum'), (t) => t === 'histogram' || t === 'summary'],
    [strip(name, '_count'), (t) => t === 'histogram' || t === 'summary'],
    [strip(name, '_total'), (t) => t === 'counter'],
    [strip(name, '_created'), (t) => t === 'counter' || t === 'histogram' || t === 'summary'],
  ];
  for (const [family, fits] of candidates) {
    const type = family === undefined ? undefined : families.get(family);
    if (family !== undefined && type !== undefined && fits(type)) return family;
  }
  return undefined;
}

const strip = (name: string, suffix: string) =>
  name.endsWith(suffix) && name.length > suffix.length ? name.slice(0, -suffix.length) : undefined;

const LABEL_ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', n: '\n' };

/** `name{label="value",…} value [timestamp]`: the label values take the escapes \\, \" and \n. */
function parseSample(line: string, lineNumber: number): { name: string; labels: Map<string, string> } {
  const head = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (!head) throw new Error(`line ${lineNumber}: not a sample: ${line}`);
  const name = head[1] as string;
  const labels = new Map<string, string>();
  let at = name.length;
  if (line[at] === '{') {
    at++;
    while (line[at] !== '}') {
      const label = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(at));
      if (!label) throw new Error(`line ${lineNumber}: malformed labels: ${line}`);
      at += label[0].length;
      let value = '';
      while (line[at] !== '"') {
        if (at >= line.length) throw new Error(`line ${lineNumber}: unterminated label value: ${line}`);
        if (line[at] === '\\') {
          value += LABEL_ESCAPES[line[at + 1] as string] ?? `\\${line[at + 1]}`;
          at += 2;
        } else value += line[at++];
      }
      at++;
      labels.set(label[1] as string, value);
      if (line[at] === ',') at++;
    }
    at++;
  }
  if (!/^ \S+( -?\d+)?$/.test(line.slice(at)))
    throw new Error(`line ${lineNumber}: malformed value: ${line}`);
  return { name, labels };
}

/** What Prometheus attaches to every scraped series, and the series it stores for each scrape. */
export const TARGET_LABELS = ['job', 'instance'] as const;
const SCRAPE_SERIES = [
  'up',
  'scrape_duration_seconds',
  'scrape_samples_post_metric_relabeling',
  'scrape_samples_scraped',
  'scrape_series_added',
];

/** The series as Prometheus stores them after scraping `exposition`: `job`/`instance` on each, and the scrape's own. */
export function scrapedSeries(exposition: Exposition): Map<string, ExposedSeries> {
  const stored = new Map<string, ExposedSeries>();
  const withTarget = (labels: Map<string, Set<string>>) => {
    const copy = new Map(labels);
    // Values depend on the scrape configuration: any is possible.
    for (const label of TARGET_LABELS) copy.set(label, new Set());
    return copy;
  };
  for (const [name, s] of exposition.series) stored.set(name, { ...s, labels: withTarget(s.labels) });
  for (const name of SCRAPE_SERIES)
    stored.set(name, { name, family: name, type: 'gauge', labels: withTarget(new Map()) });
  return stored;
}
