/**
 * A bounded async queue between the fetching producer and the delivering consumer. `push` waits while
 * the queue is full, so a fast source can never run ahead of a slow sink by more than `capacity` items:
 * memory stays flat whatever the window size.
 */
export class BoundedQueue<T> {
  readonly capacity: number;
  readonly #items: T[] = [];
  #closed = false;
  #failure: { error: unknown } | undefined;
  #highWater = 0;
  #wakeConsumer: (() => void) | undefined;
  #wakeProducer: (() => void) | undefined;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('queue capacity must be an integer >= 1');
    this.capacity = capacity;
  }

  /** The most items ever held at once (the bound tests assert on). */
  get highWater(): number {
    return this.#highWater;
  }

  async push(item: T): Promise<void> {
    while (this.#items.length >= this.capacity && !this.#closed) {
      await new Promise<void>((resolve) => {
        this.#wakeProducer = resolve;
      });
    }
    if (this.#closed) return;
    this.#items.push(item);
    this.#highWater = Math.max(this.#highWater, this.#items.length);
    this.#wake('consumer');
  }

  /** No more items: the consumer drains what is left, then ends. */
  close(): void {
    this.#closed = true;
    this.#wake('consumer');
    this.#wake('producer');
  }

  /** The producer failed: the consumer throws this after draining. */
  fail(error: unknown): void {
    this.#failure = { error };
    this.close();
  }

  /** Drop queued items and release a waiting producer (the consumer stopped early). */
  abandon(): void {
    this.#items.length = 0;
    this.close();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    while (true) {
      const item = this.#items.shift();
      if (item !== undefined) {
        this.#wake('producer');
        yield item;
        continue;
      }
      if (this.#closed) {
        if (this.#failure) throw this.#failure.error;
        return;
      }
      await new Promise<void>((resolve) => {
        this.#wakeConsumer = resolve;
      });
    }
  }

  #wake(side: 'consumer' | 'producer'): void {
    const wake = side === 'consumer' ? this.#wakeConsumer : this.#wakeProducer;
    if (side === 'consumer') this.#wakeConsumer = undefined;
    else this.#wakeProducer = undefined;
    wake?.();
  }
}
