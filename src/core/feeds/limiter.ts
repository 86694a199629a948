/** A counting semaphore: at most `max` holders at once, the rest wait in order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }

  /** A slot to hold across several steps; call the returned function once to give it back. */
  async acquire(): Promise<() => void> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter so a newcomer cannot overtake it.
      if (next) next();
      else this.active--;
    };
  }
}

/**
 * A global limit and a per-host limit, so many feeds on one host (Google News searches) are polite
 * to that host without slowing feeds elsewhere.
 */
export class HostLimiter {
  private readonly global: Semaphore;
  private readonly hosts = new Map<string, Semaphore>();

  constructor(
    globalMax: number,
    private readonly perHostMax: number,
  ) {
    this.global = new Semaphore(globalMax);
  }

  run<T>(url: string, task: () => Promise<T>): Promise<T> {
    const host = URL.canParse(url) ? new URL(url).host : url;
    let hostLimit = this.hosts.get(host);
    if (!hostLimit) {
      hostLimit = new Semaphore(this.perHostMax);
      this.hosts.set(host, hostLimit);
    }
    const perHost = hostLimit;
    // Take the host slot first: waiting on a busy host must not hold a global slot.
    return perHost.run(() => this.global.run(task));
  }
}
