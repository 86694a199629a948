import type { CommandModule, CommandRequest } from '../src/core/commands/types.js';
import { localDate, localTime } from '../src/core/digests/schedule.js';
import type { DigestService } from '../src/core/digests/service.js';
import { describeSubscription, type Subscription, subscriptionSchema } from '../src/core/digests/subscription.js';
import { errorReply, type Reply, textReply } from '../src/core/reply.js';
import { counted, utcMinute } from '../src/core/text.js';

const ACTIONS = ['list', 'preview', 'subscribe', 'unsubscribe', 'now'] as const;
const MANAGERS_ONLY = new Set(['subscribe', 'unsubscribe', 'now']);

const digest: CommandModule = {
  definition: {
    name: 'digest',
    description: 'Scheduled news digests for this channel',
    options: [
      {
        name: 'action',
        description: 'What to do',
        type: 'string',
        required: true,
        choices: ACTIONS.map((a) => ({ name: a, value: a })),
      },
      { name: 'topics', description: 'Comma-separated topics, e.g. nato-status,china-ties', type: 'string', autocomplete: true },
      { name: 'time', description: 'Local time, HH:MM (default 08:00)', type: 'string' },
      { name: 'timezone', description: 'IANA zone (default America/Bogota)', type: 'string' },
      { name: 'weekdays', description: 'daily, weekdays, or e.g. mon,wed,fri (default daily)', type: 'string' },
      { name: 'cap', description: 'At most this many stories (default 10)', type: 'string' },
    ],
    managerActions: true,
    help: 'A daily digest of tagged news in this channel: /digest subscribe topics:nato-status,china-ties time:08:00 timezone:America/Bogota; also list, preview, now, unsubscribe. Channel managers only for subscribe, unsubscribe and now.',
  },
  async handle(request, context) {
    const action = String(request.options.action);
    const service = context.digests;
    if (!service) return errorReply('Digests are not running in this process.');
    if (MANAGERS_ONLY.has(action) && !request.canManageChannel) {
      return errorReply(`Only channel managers can ${action === 'now' ? 'post a digest now' : action}. Ask one of them, or use /digest list or /digest preview.`);
    }
    // Refused now, not at the first digest, which would go undelivered.
    if ((action === 'subscribe' || action === 'now') && request.cannotPostHere) {
      return errorReply(`briefbot cannot post digests here: ${request.cannotPostHere}. Grant it in the channel's permissions, then try again.`);
    }
    switch (action) {
      case 'subscribe':
        return subscribe(request, service);
      case 'unsubscribe':
        return (await service.unsubscribe(request.platform, request.channelId))
          ? textReply('Digest', 'This channel will get no more digests.')
          : textReply('Digest', 'This channel had no digest subscription.');
      case 'preview': {
        const subscription = await service.subscription(request.platform, request.channelId);
        if (!subscription) return textReply('Digest', 'No digest subscription in this channel: /digest subscribe first.');
        const preview = await service.preview(request.platform, request.channelId);
        // For the one who asked: with its tagging notes, posted in the channel it read as a real digest.
        if (preview) return { ...preview, title: `Preview: ${preview.title}`, ephemeral: true };
        return textReply('Digest', `Nothing new on ${subscription.topics.join(', ')} ${sinceLast(subscription)}: the next digest would be empty.`);
      }
      case 'now': {
        // Read before the run moves it: what "since the last digest" means here.
        const subscription = await service.subscription(request.platform, request.channelId);
        const entry = await service.now(request.platform, request.channelId);
        if (!entry || !subscription) return textReply('Digest', 'No subscription here, or nothing to post: /digest subscribe first.');
        if (entry.pages.length > 0) return textReply('Digest', `Digest posted: ${counted(entry.pages.length, 'message')}.`);
        return textReply('Digest', `Nothing new to post on ${subscription.topics.join(', ')} ${sinceLast(subscription)}.`);
      }
      default:
        return list(request, service);
    }
  },
  autocomplete(_option, typed, context) {
    // Complete the last comma-separated topic.
    const parts = typed.split(',');
    const last = parts.pop()?.trim().toLowerCase() ?? '';
    return context.briefs
      .list()
      .map((b) => b.topic)
      .filter((t) => t.startsWith(last) && !parts.includes(t))
      .map((t) => ({ name: [...parts, t].join(','), value: [...parts, t].join(',') }))
      .slice(0, 25);
  },
};

async function subscribe(request: CommandRequest, service: DigestService): Promise<Reply> {
  const o = request.options;
  const known = service.topics();
  const topics = String(o.topics ?? known.join(','))
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  const unknown = topics.filter((t) => !known.includes(t));
  if (unknown.length > 0) return errorReply(`Unknown topic(s): ${unknown.join(', ')}. Topics: ${known.join(', ')}.`);
  const parsed = subscriptionSchema.safeParse({
    platform: request.platform,
    channelId: request.channelId,
    topics,
    schedule: { time: o.time ?? '08:00', timezone: o.timezone ?? 'America/Bogota', weekdays: String(o.weekdays ?? 'daily') },
    // Digits only: Number() would read `0x10` as 16 and `1e1` as 10.
    cap: o.cap === undefined ? undefined : /^\s*\d+\s*$/.test(String(o.cap)) ? Number(o.cap) : Number.NaN,
  });
  if (!parsed.success) return errorReply(parsed.error.issues.map((i) => i.message).join('; '));
  const sub = await service.subscribe(parsed.data);
  return textReply('Digest', `Subscribed: ${describeSubscription(sub)}.`, { ephemeral: false });
}

async function list(request: CommandRequest, service: DigestService): Promise<Reply> {
  const { subscription, nextRun, dead } = await service.list(request.platform, request.channelId);
  const served = service.topics();
  const unserved = subscription?.topics.filter((t) => !served.includes(t)) ?? [];
  const lines = [
    subscription ? `Subscribed: ${describeSubscription(subscription)}.` : 'No digest subscription in this channel.',
    ...(unserved.length > 0
      ? [`No brief serves ${unserved.join(', ')} now, so no news on it is tagged. Topics: ${served.join(', ')}; /digest subscribe to change.`]
      : []),
    ...(subscription?.coveredUntil ? [`Last digest: ${inZone(subscription.coveredUntil, subscription.schedule.timezone)}.`] : []),
    ...(nextRun ? [`Next digest: ${inZone(nextRun, subscription?.schedule.timezone ?? 'UTC')}.`] : []),
    ...dead.map((d) => `Undelivered digest for ${inZone(d.slot, subscription?.schedule.timezone ?? 'UTC')}: ${d.lastError ?? 'failed'}.`),
  ];
  return textReply('Digest', lines.join('\n'), { tone: dead.length > 0 || unserved.length > 0 ? 'warning' : 'info' });
}

/** The window a digest covers: since the last one, or (before the first) the last day. */
function sinceLast(sub: Subscription): string {
  return sub.coveredUntil ? `since the last digest, ${inZone(sub.coveredUntil, sub.schedule.timezone)}` : 'in the last day';
}

/** In the channel's own zone, as it was subscribed ("Wednesday, 25 November 2026, 08:00 America/Bogota"), and in UTC. */
function inZone(at: Date, zone: string): string {
  return `${localDate(at, zone)}, ${localTime(at, zone)} ${zone} (${utcMinute(at)})`;
}

export default digest;
