import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CommandEvent } from './core/commands/dispatch.js';
import type { PollSummary } from './core/feeds/poll.js';

/** What the store holds, counted when /metrics is scraped: feeds by health state, digests by outbox state. */
export interface StoreCounts {
  feeds(): Promise<Record<string, number>>;
  outbox(): Promise<Record<string, number>>;
}

export interface Metrics {
  registry: Registry;
  observeCommand(event: CommandEvent): void;
  /** Every feed's result in a poll, and the items it stored. */
  observePoll(summary: PollSummary): void;
  /** Where the feed and digest gauges read from, once the store is open. */
  countFrom(counts: StoreCounts): void;
  briefReloadErrors: Counter;
  /** One per digest dead-lettered: what to alert on (the outbox gauge stays up until retention). */
  digestsDeadLettered: Counter;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const commands = new Counter({
    name: 'briefbot_commands_total',
    help: 'Commands answered, by platform, command and outcome',
    labelNames: ['platform', 'command', 'outcome'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'briefbot_command_duration_seconds',
    help: 'Time from request to reply',
    labelNames: ['platform'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const briefReloadErrors = new Counter({
    name: 'briefbot_brief_reload_errors_total',
    help: 'Brief files that failed to load on a reload',
    registers: [registry],
  });
  const polls = new Counter({
    name: 'briefbot_feed_polls_total',
    help: 'Feeds polled, by result (ok, partial, not_modified, backing_off, error)',
    labelNames: ['result'],
    registers: [registry],
  });
  const pollErrors = new Counter({
    name: 'briefbot_feed_poll_errors_total',
    help: 'Feed polls that failed, by error code (as in briefbot feeds)',
    labelNames: ['code'],
    registers: [registry],
  });
  const stored = new Counter({
    name: 'briefbot_feed_items_stored_total',
    help: 'Items stored that were not stored before',
    registers: [registry],
  });
  const digestsDeadLettered = new Counter({
    name: 'briefbot_digests_dead_lettered_total',
    help: 'Digests dead-lettered (not delivered, not retried): alert on an increase',
    labelNames: ['platform'],
    registers: [registry],
  });
  let counts: StoreCounts | undefined;
  // Read at scrape time, so a dead-lettered digest or a failing feed shows however it got there.
  const byState = (name: string, help: string, count: keyof StoreCounts) =>
    new Gauge({
      name,
      help,
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        this.reset();
        // A store closed or switched off (a full disk) leaves the gauge empty; /metrics still answers.
        const states = await counts?.[count]().catch(() => undefined);
        for (const [state, n] of Object.entries(states ?? {})) this.set({ state }, n);
      },
    });
  byState('briefbot_feeds', 'Feeds polled at least once, by health state (ok, partial, failing, backed-off)', 'feeds');
  byState('briefbot_digest_outbox_entries', 'Digests in the outbox, by state (pending, delivered, dead: dead-lettered after repeated failures)', 'outbox');
  return {
    registry,
    briefReloadErrors,
    digestsDeadLettered,
    observePoll(summary) {
      for (const f of summary.feeds) {
        const result = f.status === 'ok' && f.cutShort ? 'partial' : f.status.replace('-', '_');
        polls.inc({ result });
        if (f.status === 'error') pollErrors.inc({ code: f.code });
      }
      stored.inc(summary.newItems);
    },
    countFrom(source) {
      counts = source;
    },
    observeCommand(event) {
      // Unknown names are user input: keep label cardinality bounded.
      const command = event.outcome === 'unknown' ? '(unknown)' : event.command;
      commands.inc({ platform: event.platform, command, outcome: event.outcome });
      latency.observe({ platform: event.platform }, event.ms / 1000);
    },
  };
}
