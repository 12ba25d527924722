/**
 * A `ctxsiem serve` replica as a test runs it: a real process from the sources (`runCli`, so its
 * output is kept for the secret scan), its log as it runs, its `/metrics` parsed as Prometheus reads
 * them, and signals — SIGKILL to take it away mid-work, SIGTERM to drain it.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { type CliRun, runCli } from '@ctxsiem/test-kit';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

const CLI = join(import.meta.dirname, '..', '..', 'apps', 'container', 'src', 'cli.ts');

export class Replica {
  readonly exited: Promise<CliRun>;
  #child: ChildProcess | undefined;
  #log = '';

  readonly name: string;

  constructor(name: string, config: string) {
    this.name = name;
    this.exited = runCli(CLI, ['serve', '--config', config], {
      label: `replica-${name}`,
      onSpawn: (child) => {
        this.#child = child;
        child.stderr?.on('data', (chunk) => {
          this.#log += chunk;
        });
      },
    });
  }

  get pid(): number {
    return this.#child!.pid!;
  }

  /** The end of its log, for failure messages. */
  log(chars = 3000): string {
    return this.#log.slice(-chars);
  }

  /** Where its `/healthz`, `/readyz` and `/metrics` answer, once it printed it. */
  get url(): string | undefined {
    return /on (http:\/\/127\.0\.0\.1:\d+)/.exec(this.#log)?.[1];
  }

  signal(signal: NodeJS.Signals): void {
    if (this.#child?.exitCode === null) this.#child.kill(signal);
  }

  async ready(): Promise<boolean> {
    return this.url !== undefined && (await fetch(`${this.url}/readyz`)).status === 200;
  }

  /** The sum of a metric's samples with these labels (0 before it serves, or when none matches). */
  async total(name: string, labels: Record<string, string> = {}): Promise<number> {
    if (!this.url) return 0;
    const text = await (await fetch(`${this.url}/metrics`)).text();
    const family = parsePrometheusTextFormat(text).find((f) => f.name === name);
    return (family?.metrics ?? [])
      .filter((metric) => Object.entries(labels).every(([k, v]) => metric.labels?.[k] === v))
      .reduce((sum, metric) => sum + Number(metric.value ?? metric.count ?? 0), 0);
  }

  /** Its records delivered, per tenant, for one source. */
  async recordsByTenant(source: string, tenants: readonly string[]): Promise<Record<string, number>> {
    const entries = await Promise.all(
      tenants.map(async (tenant) => [tenant, await this.total('ctxsiem_records_total', { tenant, source })]),
    );
    return Object.fromEntries(entries.filter(([, n]) => Number(n) > 0));
  }
}

export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Drains the replicas with SIGTERM and returns their exit codes; a replica not done in 60 s is killed. */
export async function drain(replicas: readonly Replica[]): Promise<(number | null)[]> {
  for (const replica of replicas) replica.signal('SIGTERM');
  const killer = setTimeout(() => {
    for (const replica of replicas) replica.signal('SIGKILL');
  }, 60_000);
  try {
    return (await Promise.all(replicas.map((replica) => replica.exited))).map((run) => run.code);
  } finally {
    clearTimeout(killer);
  }
}
