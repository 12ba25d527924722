/**
 * Progress of `ctxsiem backfill`: windows done of the total, records, their rate and an estimate of the
 * time left — a bar on a terminal (cli-progress), one JSON line per window otherwise (logs, CI, pipes).
 * The bar starts with the first stream's plan and grows as other streams plan theirs.
 */
import cliProgress from 'cli-progress';

export interface ProgressSink {
  isTTY?: boolean | undefined;
  write(text: string): boolean;
}

export class BackfillProgress {
  readonly #out: ProgressSink;
  readonly #bar: cliProgress.SingleBar | undefined;
  readonly #started = Date.now();
  #total = 0;
  #done = 0;
  #barStarted = false;
  #records = 0;
  /** Each stream's record count at its last window. */
  readonly #streamRecords = new Map<string, number>();

  constructor(out: ProgressSink) {
    this.#out = out;
    this.#bar = out.isTTY
      ? new cliProgress.SingleBar(
          {
            format:
              'backfill [{bar}] {value}/{total} windows | {records} records | {rate} records/s | ETA {eta_formatted}',
            stream: out as NodeJS.WritableStream,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  }

  /** A stream will cover this many windows. */
  plan(windows: number): void {
    this.#total += windows;
    if (!this.#bar) return;
    // A bar's total is 100 until it starts (cli-progress): start it on the first plan, grow it after.
    if (this.#barStarted) this.#bar.setTotal(this.#total);
    else {
      this.#bar.start(this.#total, this.#done, { records: this.#records, rate: 0 });
      this.#barStarted = true;
    }
  }

  /** One window of `stream` of `tenant` is delivered; `records` is the stream's count so far. */
  window(tenant: string, stream: string, window: { from: Date; to: Date }, records: number): void {
    const key = `${tenant}/${stream}`;
    this.#done++;
    this.#records += records - (this.#streamRecords.get(key) ?? 0);
    this.#streamRecords.set(key, records);
    const elapsedMs = Date.now() - this.#started;
    if (this.#bar) {
      this.#bar.update(this.#done, {
        records: this.#records,
        rate: Math.round((this.#records * 1000) / Math.max(elapsedMs, 1)),
      });
      return;
    }
    const etaSeconds =
      this.#done >= this.#total
        ? 0
        : Math.round(((this.#total - this.#done) * elapsedMs) / this.#done / 1000);
    this.#out.write(
      `${JSON.stringify({
        tenant,
        stream,
        from: window.from.toISOString(),
        to: window.to.toISOString(),
        streamRecords: records,
        windowsDone: this.#done,
        windowsTotal: this.#total,
        records: this.#records,
        etaSeconds,
      })}\n`,
    );
  }

  /** Windows planned and done, and records delivered, so far. */
  get totals(): { windows: number; done: number; records: number } {
    return { windows: this.#total, done: this.#done, records: this.#records };
  }

  stop(): void {
    this.#bar?.stop();
  }
}
