import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import { statementCache } from './statements.js';
import type { Platform } from '../core/commands/types.js';
import type { DigestStore, OutboxEntry, OutboxState } from '../core/digests/outbox.js';
import { type Subscription, type SubscriptionSpec, subscriptionSchema } from '../core/digests/subscription.js';

type Row = Record<string, unknown>;

/** The digest stores open in this process (each claims under its own name). */
const liveOwners = new Set<string>();

function toSubscription(r: Row): Subscription {
  const spec = subscriptionSchema.parse(JSON.parse(String(r.spec)));
  return {
    ...spec,
    id: Number(r.id),
    createdAt: new Date(Number(r.created_at)),
    coveredUntil: typeof r.covered_until === 'number' ? new Date(r.covered_until) : undefined,
  };
}

function toEntry(r: Row): OutboxEntry {
  return {
    id: Number(r.id),
    subscriptionId: Number(r.subscription_id),
    platform: r.platform as Platform,
    channelId: String(r.channel_id),
    slot: new Date(Number(r.slot)),
    pages: JSON.parse(String(r.pages)) as unknown[],
    messageIds: JSON.parse(String(r.message_ids)) as (string | null)[],
    state: r.state as OutboxState,
    attempts: Number(r.attempts),
    nextAttemptAt: new Date(Number(r.next_attempt_at)),
    lastError: typeof r.last_error === 'string' ? r.last_error : undefined,
    createdAt: new Date(Number(r.created_at)),
  };
}

/**
 * Subscriptions and the outbox in the same SQLite file as the feeds. Every write is one statement
 * or one transaction, so a crash leaves either the old state or the new one.
 */
export class SqliteDigestStore implements DigestStore {
  private readonly sql: (sql: string) => Database.Statement;
  /** This process (host and pid), and this store in it: what `claim` writes. */
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  /**
   * A claim by a process of this host that is gone (killed mid-digest, then restarted): free at
   * once, rather than when its claim runs out. Gone: no process has its pid, or this one does (a
   * container's node is pid 1 in every run) and no store of this process made the claim. Another
   * host's process cannot be asked; its claim runs out.
   */
  private previousRun(holder: string): boolean {
    const [host, pid] = holder.split(':');
    if (host !== hostname() || !pid) return false;
    if (Number(pid) === process.pid) return !liveOwners.has(holder);
    try {
      process.kill(Number(pid), 0);
      return false;
    } catch (err) {
      // EPERM: it runs, as another user.
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }

  constructor(private readonly db: Database.Database) {
    this.sql = statementCache(db);
    liveOwners.add(this.owner);
  }

  async subscribe(spec: SubscriptionSpec, now: Date, declared = false): Promise<Subscription> {
    const row = this.sql(
        `INSERT INTO subscriptions (platform, channel_id, spec, created_at, declared) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(platform, channel_id) DO UPDATE SET spec = excluded.spec, declared = excluded.declared
         RETURNING *`,
      )
      .get(spec.platform, spec.channelId, JSON.stringify(spec), now.getTime(), declared ? 1 : 0) as Row;
    return toSubscription(row);
  }

  async retireDeclared(keep: readonly SubscriptionSpec[], platforms: readonly Platform[]): Promise<Subscription[]> {
    const kept = new Set(keep.map((s) => `${s.platform}:${s.channelId}`));
    const gone = (this.sql('SELECT * FROM subscriptions WHERE declared = 1 ORDER BY id').all() as Row[])
      .map(toSubscription)
      .filter((s) => platforms.includes(s.platform) && !kept.has(`${s.platform}:${s.channelId}`));
    for (const s of gone) await this.unsubscribe(s.platform, s.channelId);
    return gone;
  }

  async unsubscribe(platform: Platform, channelId: string): Promise<boolean> {
    // A digest still waiting (a 429, a retry) is not sent after the channel said "no more".
    return this.db.transaction(() => {
      const sub = this.sql('DELETE FROM subscriptions WHERE platform = ? AND channel_id = ? RETURNING id').get(platform, channelId) as { id: number } | undefined;
      if (!sub) return false;
      this.sql("UPDATE outbox SET state = 'cancelled', last_error = 'unsubscribed' WHERE subscription_id = ? AND state = 'pending'").run(sub.id);
      return true;
    })();
  }

  async subscriptions(): Promise<Subscription[]> {
    return (this.sql('SELECT * FROM subscriptions ORDER BY id').all() as Row[]).map(toSubscription);
  }

  async subscription(by: { id: number } | { platform: Platform; channelId: string }) {
    const row = (
      'id' in by
        ? this.sql('SELECT * FROM subscriptions WHERE id = ?').get(by.id)
        : this.sql('SELECT * FROM subscriptions WHERE platform = ? AND channel_id = ?').get(by.platform, by.channelId)
    ) as Row | undefined;
    return row ? toSubscription(row) : undefined;
  }

  async enqueue(e: { subscriptionId: number; slot: Date; pages: unknown[]; coveredUntil: Date }) {
    const write = this.db.transaction(() => {
      const sub = this.sql('SELECT * FROM subscriptions WHERE id = ?').get(e.subscriptionId) as Row | undefined;
      if (!sub) return undefined;
      const inserted = this.sql(
          `INSERT INTO outbox (subscription_id, platform, channel_id, slot, pages, message_ids, state, next_attempt_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(subscription_id, slot) DO NOTHING
           RETURNING *`,
        )
        .get(
          e.subscriptionId,
          sub.platform,
          sub.channel_id,
          e.slot.getTime(),
          JSON.stringify(e.pages),
          JSON.stringify(e.pages.map(() => null)),
          e.pages.length === 0 ? 'delivered' : 'pending',
          e.slot.getTime(),
          Date.now(),
        ) as Row | undefined;
      this.sql('UPDATE subscriptions SET covered_until = max(coalesce(covered_until, 0), ?) WHERE id = ?')
        .run(e.coveredUntil.getTime(), e.subscriptionId);
      return inserted ? toEntry(inserted) : undefined;
    });
    return write.immediate();
  }

  async due(now: Date, limit: number): Promise<OutboxEntry[]> {
    return (
      this.sql("SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY slot, id LIMIT ?")
        .all(now.getTime(), limit) as Row[]
    ).map(toEntry);
  }

  async markPage(id: number, page: number, messageId: string): Promise<void> {
    this.sql('UPDATE outbox SET message_ids = json_set(message_ids, ?, ?) WHERE id = ?')
      .run(`$[${page}]`, messageId, id);
  }

  async markAttempt(id: number, page: number): Promise<void> {
    // Only a page never tried becomes '' (an id, once recorded, stays).
    this.sql(
      "UPDATE outbox SET message_ids = json_set(message_ids, ?, '') WHERE id = ? AND json_extract(message_ids, ?) IS NULL",
    ).run(`$[${page}]`, id, `$[${page}]`);
  }

  async clearAttempt(id: number, page: number): Promise<void> {
    this.sql("UPDATE outbox SET message_ids = json_set(message_ids, ?, json('null')) WHERE id = ? AND json_extract(message_ids, ?) = ''").run(
      `$[${page}]`,
      id,
      `$[${page}]`,
    );
  }

  async claim(id: number, now: Date, until: Date): Promise<OutboxEntry | 'taken' | 'not-due' | OutboxState> {
    const row = this.sql('SELECT * FROM outbox WHERE id = ?').get(id) as Row | undefined;
    if (!row) return 'cancelled';
    if (row.state !== 'pending') return row.state as OutboxState;
    // Another process may have sent pages, or been told to wait (a 429), since this one read it.
    if (Number(row.next_attempt_at) > now.getTime()) return 'not-due';
    const holder = typeof row.claimed_by === 'string' ? row.claimed_by : null;
    const free = holder === null || holder === this.owner || Number(row.claimed_until ?? 0) < now.getTime() || this.previousRun(holder);
    if (!free) return 'taken';
    // Compare and set: of two processes that both found it free, one takes it.
    const taken = this.sql("UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id = ? AND state = 'pending' AND claimed_by IS ?")
      .run(this.owner, until.getTime(), id, holder).changes;
    return taken > 0 ? toEntry(row) : 'taken';
  }

  // Each outcome applies only to an entry still pending: one cancelled meanwhile (an unsubscribe
  // while its pages went out) stays cancelled, never delivered or dead.

  async markDelivered(id: number): Promise<void> {
    this.sql("UPDATE outbox SET state = 'delivered', last_error = NULL WHERE id = ? AND state = 'pending'").run(id);
  }

  async markRetry(id: number, error: string, nextAttemptAt: Date): Promise<void> {
    // Let go: whichever process is up when it is due sends it.
    this.sql("UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, claimed_by = NULL WHERE id = ? AND state = 'pending'")
      .run(error, nextAttemptAt.getTime(), id);
  }

  async markDead(id: number, error: string): Promise<boolean> {
    return this.sql("UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ? WHERE id = ? AND state = 'pending'").run(error, id).changes > 0;
  }

  /**
   * Forget digests sent, cancelled or dead-lettered for slots before `before` (the store's retention):
   * each holds its rendered pages, ~6 KB, and a year of 500 daily channels is a gigabyte. Pending ones
   * stay whatever their age. Returns how many went.
   */
  async prune(before: Date): Promise<number> {
    // Through the (state, next_attempt_at) index: this runs after every poll, and a scan would read
    // every digest's pages. A digest is never tried before its slot, so this holds only older slots.
    return this.sql("DELETE FROM outbox WHERE state IN ('delivered', 'cancelled', 'dead') AND next_attempt_at < ?").run(before.getTime()).changes;
  }

  /** Outbox entries by state, without loading them. */
  async stateCounts(): Promise<Record<string, number>> {
    const rows = this.sql('SELECT state, count(*) AS n FROM outbox GROUP BY state').all() as Row[];
    return Object.fromEntries(rows.map((r) => [String(r.state), Number(r.n)]));
  }

  async entries(state?: OutboxState): Promise<OutboxEntry[]> {
    const rows = state
      ? this.sql('SELECT * FROM outbox WHERE state = ? ORDER BY slot').all(state)
      : this.sql('SELECT * FROM outbox ORDER BY slot').all();
    return (rows as Row[]).map(toEntry);
  }
}
