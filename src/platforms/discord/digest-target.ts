import { createHash } from 'node:crypto';
import { type APIMessage, DiscordAPIError, HTTPError, type REST, Routes } from 'discord.js';
import { DeliveryError, type DigestTarget } from '../../core/digests/outbox.js';
import { paginate } from '../../core/paginate.js';
import { type DiscordMessage, renderDiscord } from './render.js';

type Page = Pick<DiscordMessage, 'content' | 'embeds' | 'allowed_mentions'>;

/**
 * Digests on Discord, posted with the REST client (no channel cache needed). Each page carries a
 * nonce derived from its key with `enforce_nonce`, so Discord itself returns the earlier message
 * instead of posting twice when a send is retried within its dedupe window (a few minutes). A page
 * whose earlier attempt went unanswered may be older than that window (the bot was down for a
 * while), so it is first looked for in the channel's messages by its content.
 */
export function discordDigestTarget(rest: REST, botUserId: () => string | undefined = () => undefined): DigestTarget {
  return {
    platform: 'discord',
    renderPages: (reply) =>
      paginate(reply, (p) => renderDiscord(p).trimmed.length === 0).map((p): Page => {
        const { content, embeds, allowed_mentions } = renderDiscord(p).message;
        return { ...(content ? { content } : {}), embeds, allowed_mentions };
      }),
    async send(channelId, page, key, mayHaveLandedSince) {
      try {
        const earlier = mayHaveLandedSince ? await findSent(rest, channelId, page as Page, botUserId(), mayHaveLandedSince) : undefined;
        if (earlier) return { messageId: earlier };
        const message = (await rest.post(Routes.channelMessages(channelId), {
          body: {
            ...(page as Page),
            allowed_mentions: { parse: [] },
            nonce: nonceFor(key),
            enforce_nonce: true,
          },
        })) as APIMessage;
        return { messageId: message.id };
      } catch (err) {
        throw asDeliveryError(err);
      }
    },
  };
}

/** How far back a resend looks for its page: pages of 100 messages (Discord's most), newest first. */
const HISTORY_PAGE = 100;
const HISTORY_PAGES = 20;

/**
 * A message of ours in the channel showing the same embeds as this page. A busy channel may have
 * moved on since the attempt, so this pages back (up to 2,000 messages) rather than reading only
 * the latest few; it stops at messages older than the digest, which cannot be the page.
 */
async function findSent(rest: REST, channelId: string, page: Page, botUserId: string | undefined, since: Date): Promise<string | undefined> {
  const fingerprint = (embeds: Page['embeds']) =>
    JSON.stringify((embeds ?? []).map((e) => [e.title ?? '', e.description ?? '', e.footer?.text ?? '']));
  const wanted = fingerprint(page.embeds);
  let before: string | undefined;
  for (let n = 0; n < HISTORY_PAGES; n++) {
    const query = new URLSearchParams({ limit: String(HISTORY_PAGE), ...(before ? { before } : {}) });
    const messages = (await rest.get(Routes.channelMessages(channelId), { query })) as APIMessage[];
    const match = messages.find((m) => (!botUserId || m.author.id === botUserId) && fingerprint(m.embeds) === wanted);
    if (match) return match.id;
    const last = messages.at(-1);
    if (!last || messages.length < HISTORY_PAGE || Date.parse(last.timestamp) < since.getTime()) return undefined;
    before = last.id;
  }
  return undefined;
}

/** Discord nonces are at most 25 characters; the key may be longer, so hash it. */
export function nonceFor(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 25);
}

function asDeliveryError(err: unknown): DeliveryError {
  // @discordjs/rest waits out 429s and retries 5xx itself; a DiscordAPIError is a 4xx that no retry
  // fixes (unknown channel 10003, missing access 50001/50013, invalid form body 50035).
  if (err instanceof DiscordAPIError) {
    return new DeliveryError(`Discord: ${err.status} ${err.code} ${err.message}`, err.status === 429);
  }
  if (err instanceof HTTPError) return new DeliveryError(`Discord: HTTP ${err.status}`, true);
  return new DeliveryError(`Discord: ${err instanceof Error ? err.message : String(err)}`, true);
}
