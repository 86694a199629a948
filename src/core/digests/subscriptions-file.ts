import { z } from 'zod';
import type { Problem } from '../briefs/schema.js';
import { readYamlFile, repeatedEntries } from '../yaml-file.js';
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
  const { data, raw, problems, lineAt } = readYamlFile(path, subscriptionsFileSchema, text);
  // One subscription a channel: a second entry would silently replace the first when applied.
  const channelOf = (s: Record<string, unknown>) => (typeof s.channelId === 'string' ? `${String(s.platform)}:${s.channelId}` : undefined);
  for (const { index, first, entry } of repeatedEntries(raw, 'subscriptions', channelOf)) {
    const message = `${channelOf(entry)} is subscribed already (line ${lineAt(['subscriptions', first])}): one subscription a channel, so this one would replace it`;
    problems.push({ file: path, line: lineAt(['subscriptions', index]), message });
  }
  problems.sort((a, b) => a.line - b.line);
  if (!data || problems.length > 0) return { subscriptions: [], problems, unknownTopics: [] };
  const unknownTopics = data.subscriptions.flatMap((s, i) =>
    s.topics.flatMap((topic, j) =>
      knownTopics && !knownTopics.includes(topic)
        ? [{ file: path, line: lineAt(['subscriptions', i, 'topics', j]), message: `${s.platform}:${s.channelId}: unknown topic '${topic}' (no brief names it)` }]
        : [],
    ),
  );
  return { subscriptions: data.subscriptions, problems, unknownTopics };
}
