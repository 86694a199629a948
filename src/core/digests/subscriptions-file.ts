import { z } from 'zod';
import type { Problem } from '../briefs/schema.js';
import { readYamlFile } from '../yaml-file.js';
import { type SubscriptionSpec, subscriptionSchema } from './subscription.js';

const subscriptionsFileSchema = z.strictObject({ subscriptions: z.array(subscriptionSchema) });

/**
 * Subscriptions declared as code (SUBSCRIPTIONS_FILE), checked like feeds.yaml. A topic no brief
 * names is kept apart: stored as declared (a brief may come back), but a typo would otherwise be
 * silent — the channel would get no news on it.
 */
export function loadSubscriptionsFile(
  path: string,
  text?: string,
  knownTopics?: readonly string[],
): { subscriptions: SubscriptionSpec[]; problems: Problem[]; unknownTopics: Problem[] } {
  const { data, problems, lineAt } = readYamlFile(path, subscriptionsFileSchema, text);
  if (!data) return { subscriptions: [], problems, unknownTopics: [] };
  // One subscription a channel: a second entry would silently replace the first when applied.
  const first = new Map<string, number>();
  data.subscriptions.forEach((s, i) => {
    const channel = `${s.platform}:${s.channelId}`;
    const before = first.get(channel);
    if (before === undefined) first.set(channel, i);
    else {
      const line = lineAt(['subscriptions', i]);
      problems.push({ file: path, line, message: `${channel} is subscribed already (line ${lineAt(['subscriptions', before])}): one subscription a channel, so this one would replace it` });
    }
  });
  if (problems.length > 0) return { subscriptions: [], problems, unknownTopics: [] };
  const unknownTopics = data.subscriptions.flatMap((s, i) =>
    s.topics.flatMap((topic, j) =>
      knownTopics && !knownTopics.includes(topic)
        ? [{ file: path, line: lineAt(['subscriptions', i, 'topics', j]), message: `${s.platform}:${s.channelId}: unknown topic '${topic}' (no brief names it)` }]
        : [],
    ),
  );
  return { subscriptions: data.subscriptions, problems, unknownTopics };
}
