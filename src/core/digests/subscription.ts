import { z } from 'zod';
import { scheduleSchema } from './schedule.js';

export const subscriptionSchema = z.object({
  platform: z.enum(['discord', 'slack', 'local']),
  channelId: z.string().min(1),
  topics: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'a topic is lowercase letters, digits and -, as its brief names it'))
    .min(1, 'choose at least one topic')
    // `nato-status,NATO-Status` is one topic, shown and matched once.
    .transform((topics) => [...new Set(topics)]),
  schedule: scheduleSchema,
  /** At most this many stories per digest. */
  cap: z
    .number({ error: 'cap must be a whole number from 1 to 50' })
    .int('cap must be a whole number from 1 to 50')
    .min(1, 'cap must be a whole number from 1 to 50')
    .max(50, 'cap must be a whole number from 1 to 50')
    .default(10),
  /** Post a digest even when nothing is new ("nothing new today"). */
  postWhenEmpty: z.boolean().default(false),
});
export type SubscriptionInput = z.input<typeof subscriptionSchema>;
export type SubscriptionSpec = z.infer<typeof subscriptionSchema>;

export interface Subscription extends SubscriptionSpec {
  id: number;
  createdAt: Date;
  /** Where the next digest starts: the slot of the last one written to the outbox. */
  coveredUntil: Date | undefined;
}

/** How a subscription is named to users: `#channel × topics at 08:00 America/Bogota`. */
export function describeSubscription(s: SubscriptionSpec): string {
  const days = s.schedule.weekdays.length === 7 ? 'daily' : s.schedule.weekdays.join(',');
  return `${s.topics.join(', ')} · ${days} at ${s.schedule.time} ${s.schedule.timezone} · up to ${s.cap} stories`;
}
