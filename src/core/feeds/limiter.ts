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

/** Per host, until when (ms) it asked for no requests (a 429 or 503 with Retry-After), and why. */
export type HostPauses = Map<string, { until: number; why: string }>;

/**
 * A global limit and a per-host limit, so many feeds on one host (Google News searches) are polite
 * to that host without slowing feeds elsewhere; and a host that asked us to wait is left alone by
 * its other feeds too (pollOnce loads the pauses from the store and saves new ones there).
 */
export class HostLimiter {
  private readonly global: Semaphore;
  private readonly hosts = new Map<string, Semaphore>();
  private readonly pauses: HostPauses = new Map();

  constructor(
    globalMax: number,
    private readonly perHostMax: number,
  ) {
    this.global = new Semaphore(globalMax);
  }

  run<T>(url: string, task: () => Promise<T>): Promise<T> {
    const host = hostOf(url);
    let hostLimit = this.hosts.get(host);
    if (!hostLimit) {
      hostLimit = new Semaphore(this.perHostMax);
      this.hosts.set(host, hostLimit);
    }
    const perHost = hostLimit;
    // Take the host slot first: waiting on a busy host must not hold a global slot.
    return perHost.run(() => this.global.run(task));
  }

  /** The host's pause, if it is still on at `now`. */
  pausedAt(url: string, now: Date): { host: string; until: number; why: string } | undefined {
    const host = hostOf(url);
    const pause = this.pauses.get(host);
    if (pause && pause.until <= now.getTime()) this.pauses.delete(host);
    return pause && pause.until > now.getTime() ? { host, ...pause } : undefined;
  }

  /** Leave the URL's host alone until `until` (the later of two pauses wins). Returns the host. */
  pause(url: string, until: number, why: string): string {
    const host = hostOf(url);
    this.pauseHost(host, until, why);
    return host;
  }

  pauseHost(host: string, until: number, why: string): void {
    if ((this.pauses.get(host)?.until ?? 0) < until) this.pauses.set(host, { until, why });
  }
}

const hostOf = (url: string) => (URL.canParse(url) ? new URL(url).host : url);
