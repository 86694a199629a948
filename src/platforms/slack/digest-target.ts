import { webApi } from '@slack/bolt';
import { DeliveryError, type DigestTarget } from '../../core/digests/outbox.js';
import { paginate } from '../../core/paginate.js';
import { renderSlack } from './render.js';

type WebClient = InstanceType<typeof webApi.WebClient>;

const EVENT_TYPE = 'briefbot_digest';
/** Errors no retry can fix: the channel is gone or closed to us. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'missing_scope',
  'restricted_action',
]);

/** What a moderator can do about the error, where it is theirs to fix. */
const WHAT_TO_DO: Record<string, string> = {
  not_in_channel: 'invite the bot to the channel (/invite @briefbot), then /digest now',
  channel_not_found: 'the channel is gone or private to the bot: invite it, or /digest unsubscribe there',
  is_archived: 'the channel is archived: /digest unsubscribe, or unarchive it',
  token_revoked: 'the app was uninstalled or its token revoked: reinstall it and update SLACK_BOT_TOKEN',
  account_inactive: 'the app was uninstalled or its token revoked: reinstall it and update SLACK_BOT_TOKEN',
};

/**
 * How digests talk to Slack. No retries inside the client: chat.postMessage has no idempotency key,
 * so a client-side retry after a reset connection posts the page twice; only the outbox retries,
 * after looking in the channel's history. 429s come back with their retry-after for the outbox to
 * wait out, and a request that never returns is cut off. Bolt's defaults (ten retries over about
 * 30 minutes, rate limits waited in place, no timeout) would hold a delivery pass — every other
 * channel's digest, and shutdown — for as long as Slack misbehaves.
 */
export const DIGEST_CLIENT_OPTIONS = {
  retryConfig: { retries: 0 },
  rejectRateLimitedCalls: true,
  timeout: 10_000,
} satisfies webApi.WebClientOptions;

/**
 * Digests on Slack. chat.postMessage has no idempotency key, so each page carries its key in
 * message metadata and a resend first looks for that key in the channel's history: a page sent just
 * before a crash is found there and not posted twice.
 */
export function slackDigestTarget(client: WebClient): DigestTarget {
  return {
    platform: 'slack',
    renderPages: (reply) =>
      paginate(reply, (p) => renderSlack(p).trimmed.length === 0).map((p) => {
        const { text, blocks } = renderSlack(p).message;
        return { text, blocks };
      }),
    async send(channel, page, key, mayHaveLandedSince) {
      try {
        // Only a page whose earlier attempt went unanswered can already be in the channel.
        const earlier = mayHaveLandedSince ? await findSent(client, channel, key, mayHaveLandedSince).catch(historyError) : undefined;
        if (earlier) return { messageId: earlier };
        const { text, blocks } = page as { text: string; blocks: webApi.KnownBlock[] };
        const result = await client.chat.postMessage({
          channel,
          text,
          blocks,
          unfurl_links: false,
          unfurl_media: false,
          metadata: { event_type: EVENT_TYPE, event_payload: { key } },
        });
        return { messageId: String(result.ts) };
      } catch (err) {
        throw asDeliveryError(err);
      }
    },
  };
}

/** How far back a resend looks for its page: pages of 200 messages, newest first. */
const HISTORY_PAGE = 200;
const HISTORY_PAGES = 10;

/**
 * The page's message if an earlier attempt posted it. Only messages since the digest was written
 * are read: outside the Slack Marketplace a call returns at most 15 messages and Slack answers one
 * call a minute, so a search through a whole channel was refused at its second call on every
 * retry, and a page that never landed was looked for until the digest was given up. A busy channel
 * may have moved on since, so this reads page by page (up to 2,000 messages).
 */
async function findSent(client: WebClient, channel: string, key: string, since: Date): Promise<string | undefined> {
  const oldest = (since.getTime() / 1000).toFixed(6);
  let cursor: string | undefined;
  for (let page = 0; page < HISTORY_PAGES; page++) {
    const history = await client.conversations.history({
      channel,
      oldest,
      limit: HISTORY_PAGE,
      include_all_metadata: true,
      ...(cursor ? { cursor } : {}),
    });
    const match = history.messages?.find(
      (m) => m.metadata?.event_type === EVENT_TYPE && (m.metadata.event_payload as { key?: string } | undefined)?.key === key,
    );
    if (match?.ts) return match.ts;
    cursor = history.response_metadata?.next_cursor || undefined;
    if (!cursor) return undefined;
  }
  return undefined;
}

/**
 * The history read failed: say it was the check, not the post. An app installed before the manifest
 * asked for the history scopes gets `missing_scope` here, which only a reinstall fixes.
 */
function historyError(err: unknown): never {
  const error = asDeliveryError(err);
  const scopes = /missing_scope|not_allowed_token_type/.test(error.message) ? ': reinstall the app from `briefbot manifest`, which asks for the history scopes' : '';
  throw new DeliveryError(
    `${error.message} while checking the channel's history for a page an earlier attempt may have posted${scopes}`,
    error.retryable,
    error.retryAfterMs,
  );
}

function asDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  // Slack answered with an error, or with a 429: either way it posted nothing.
  if (err instanceof webApi.WebAPIPlatformError) {
    const code = String(err.data.error);
    const todo = WHAT_TO_DO[code] ? ` (${WHAT_TO_DO[code]})` : '';
    return new DeliveryError(`Slack: ${code}${todo}`, !PERMANENT.has(code), undefined, true);
  }
  if (err instanceof webApi.WebAPIRateLimitedError) return new DeliveryError('Slack: rate limited', true, err.retryAfter * 1000, true);
  if (err instanceof webApi.WebAPIHTTPError) return new DeliveryError(`Slack: HTTP ${err.statusCode}`, true);
  return new DeliveryError(`Slack: ${err instanceof Error ? err.message : String(err)}`, true);
}
