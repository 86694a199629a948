/** Subscriptions and the digest outbox (appended to MIGRATIONS as version 2). */
export const DIGEST_TABLES = `
  CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    spec TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    covered_until INTEGER,
    UNIQUE (platform, channel_id)
  );
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL,
    platform TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    slot INTEGER NOT NULL,
    pages TEXT NOT NULL,
    message_ids TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (subscription_id, slot)
  );
  CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
`;
