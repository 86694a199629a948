import { type LoadReport, servingNotes } from './core/briefs/library.js';
import { formatProblem } from './core/briefs/schema.js';
import type { Platform } from './core/commands/types.js';
import type { DigestStore, DigestTarget, OutboxEntry } from './core/digests/outbox.js';
import { movedNote } from './core/feeds/report.js';
import type { HealthEvent, HealthEventKind } from './core/feeds/types.js';
import type { Log } from './core/log.js';
import { type Reply, textReply } from './core/reply.js';

/**
 * Short notes the bot posts on its own: feed health changes and brief problems to the moderators'
 * channel, "brief updated" to the channels that follow a topic. Best effort: a failed note is logged.
 */
export function createNotifier(deps: {
  targets: ReadonlyMap<Platform, DigestTarget>;
  moderatorChannel?: { platform: Platform; channelId: string };
  subscriptions: Pick<DigestStore, 'subscriptions'>;
  log: Log;
  now: () => Date;
}) {
  const post = async (platform: Platform, channelId: string, reply: Reply, key: string) => {
    const target = deps.targets.get(platform);
    if (!target) return;
    try {
      for (const [i, page] of target.renderPages(reply).entries()) await target.send(channelId, page, `${key}:${i}`, undefined);
    } catch (err) {
      deps.log.warn({ err, platform, channelId }, 'could not post a note');
    }
  };
  const toModerators = (reply: Reply, key: string) =>
    deps.moderatorChannel ? post(deps.moderatorChannel.platform, deps.moderatorChannel.channelId, reply, key) : Promise.resolve();
  const stamp = () => deps.now().toISOString();

  return {
    feedHealth(event: HealthEvent): Promise<void> {
      const h = event.health;
      const why = h.lastError ?? 'unknown error';
      const texts: Record<HealthEventKind, string> = {
        recovered: `Feed ${event.feed} is working again.`,
        'backed-off': `Feed ${event.feed} has failed ${h.consecutiveFailures} times in a row (${why}); retrying at ${h.nextAttemptAt?.toISOString() ?? 'a later poll'}.`,
        partial: `Feed ${event.feed} sent a broken document, and only part of it was read: ${why}.`,
        moved: `Feed ${event.feed} has ${movedNote(h.movedTo ?? 'another address')}.`,
        failing: `Feed ${event.feed} is failing: ${why}.`,
      };
      const text = texts[event.kind];
      // Logged too: without MODERATOR_CHANNEL the log is the only place a failing feed shows up.
      deps.log[event.kind === 'recovered' ? 'info' : 'warn']({ feed: event.feed, health: event.kind }, text);
      return toModerators(
        textReply('Feed health', text, { tone: event.kind === 'recovered' ? 'info' : 'warning', ephemeral: false }),
        `note:feed:${event.feed}:${event.kind}:${stamp()}`,
      );
    },
    /** A digest will not be retried: the channel is gone, the bot lost access, or the platform kept failing. */
    digestDead(entry: Pick<OutboxEntry, 'platform' | 'channelId' | 'slot'>, reason: string): Promise<void> {
      const text = `The digest for ${entry.platform} channel ${entry.channelId} due ${entry.slot.toISOString()} was not delivered and will not be retried: ${reason}. /digest list in that channel shows it.`;
      deps.log.warn({ channel: `${entry.platform}:${entry.channelId}`, slot: entry.slot.toISOString(), reason }, 'digest dead-lettered');
      return toModerators(
        textReply('Digest not delivered', text, { tone: 'warning', ephemeral: false }),
        `note:dead:${entry.platform}:${entry.channelId}:${entry.slot.toISOString()}`,
      );
    },
    /** feeds.yaml was reloaded (what changed), or has problems (and what is polled instead). */
    feedsFile(problems: boolean, notes: string[]): Promise<void> {
      return toModerators(
        textReply(problems ? 'Feeds file problems' : 'Feeds file reloaded', notes.join('\n'), { tone: problems ? 'warning' : 'info', ephemeral: false }),
        `note:feeds:${stamp()}`,
      );
    },
    async briefsReloaded(report: LoadReport): Promise<void> {
      if (report.problems.length > 0) {
        const lines = [...report.problems.slice(0, 10).map(formatProblem), ...servingNotes(report)].join('\n');
        await toModerators(
          textReply('Brief problems', lines, { tone: 'warning', ephemeral: false }),
          `note:briefs:${stamp()}`,
        );
      }
      if (report.statusChanges.length === 0 && report.gone.length === 0) return;
      const subs = await deps.subscriptions.subscriptions();
      // A subscribed topic no brief serves any more gets no news: its items are no longer tagged.
      for (const topic of report.gone) {
        const channels = subs.filter((s) => s.topics.includes(topic)).map((s) => `${s.platform}:${s.channelId}`);
        if (channels.length === 0) continue;
        await toModerators(
          textReply(
            'Topic no longer served',
            `No brief serves ${topic} any more (its file was deleted, or its topic renamed), so no news is tagged with it. ` +
              `Subscribed to it: ${channels.join(', ')}. Restore the brief, or have those channels /digest subscribe to other topics.`,
            { tone: 'warning', ephemeral: false },
          ),
          `note:gone:${topic}:${stamp()}`,
        );
      }
      for (const change of report.statusChanges) {
        const reply = textReply(
          'Brief updated',
          `/${change.topic} has a new status.\nWas: ${change.before}\nNow: ${change.after}`,
          { ephemeral: false },
        );
        for (const sub of subs.filter((s) => s.topics.includes(change.topic))) {
          await post(sub.platform, sub.channelId, reply, `note:brief:${change.topic}:${stamp()}`);
        }
      }
    },
  };
}
