import cron from 'node-cron';
import { describe, expect, it } from 'vitest';
import {
  cronExpression,
  lastSlotAtOrBefore,
  nextSlotAfter,
  type Schedule,
  scheduleSchema,
  slotsBetween,
} from '../src/core/digests/schedule.js';

const bogota: Schedule = { time: '08:00', timezone: 'America/Bogota', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] };
const newYork: Schedule = { ...bogota, timezone: 'America/New_York' };

describe('digest schedules', () => {
  it('fires at 08:00 Bogotá (UTC−5, no DST) every day', () => {
    const slots = slotsBetween(bogota, new Date('2026-03-06T00:00:00Z'), new Date('2026-03-10T00:00:00Z'));
    expect(slots.map((d) => d.toISOString())).toEqual([
      '2026-03-06T13:00:00.000Z',
      '2026-03-07T13:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
    ]);
  });

  it('follows New York across the spring and autumn DST changes', () => {
    const spring = slotsBetween(newYork, new Date('2026-03-07T00:00:00Z'), new Date('2026-03-10T00:00:00Z'));
    // 8 March 2026: clocks go from EST (−5) to EDT (−4).
    expect(spring.map((d) => d.toISOString())).toEqual([
      '2026-03-07T13:00:00.000Z',
      '2026-03-08T12:00:00.000Z',
      '2026-03-09T12:00:00.000Z',
    ]);
    const autumn = slotsBetween(newYork, new Date('2026-10-31T00:00:00Z'), new Date('2026-11-03T00:00:00Z'));
    // 1 November 2026: back to EST.
    expect(autumn.map((d) => d.toISOString())).toEqual([
      '2026-10-31T12:00:00.000Z',
      '2026-11-01T13:00:00.000Z',
      '2026-11-02T13:00:00.000Z',
    ]);
  });

  it('agrees with node-cron, which runs the schedule, across a DST change', () => {
    const task = cron.createTask(cronExpression(newYork), () => {}, { timezone: 'America/New_York' });
    const ours = slotsBetween(newYork, new Date(), new Date(Date.now() + 400 * 86_400_000));
    const theirs = task.getNextRuns(ours.length);
    task.destroy();
    expect(theirs.map((d) => d.toISOString())).toEqual(ours.map((d) => d.toISOString()));
  });

  it('keeps to the chosen weekdays', () => {
    const weekdays: Schedule = { ...bogota, weekdays: ['mon', 'wed', 'fri'] };
    expect(cronExpression(weekdays)).toBe('0 8 * * 1,3,5');
    const slots = slotsBetween(weekdays, new Date('2026-11-22T00:00:00Z'), new Date('2026-11-29T00:00:00Z'));
    expect(slots.map((d) => d.toISOString().slice(0, 10))).toEqual(['2026-11-23', '2026-11-25', '2026-11-27']);
  });

  it('finds the slot to catch up after downtime, and the next one', () => {
    const now = new Date('2026-11-23T20:00:00Z');
    expect(lastSlotAtOrBefore(bogota, now)?.toISOString()).toBe('2026-11-23T13:00:00.000Z');
    expect(nextSlotAfter(bogota, now)?.toISOString()).toBe('2026-11-24T13:00:00.000Z');
  });

  it('rejects a bad time or zone with a clear message', () => {
    expect(scheduleSchema.safeParse({ time: '8am', timezone: 'America/Bogota' }).error?.issues[0]?.message).toBe(
      'time must be HH:MM, 24-hour',
    );
    expect(scheduleSchema.safeParse({ time: '08:00', timezone: 'Mars/Olympus' }).error?.issues[0]?.message).toBe(
      'timezone must be an IANA zone such as America/Bogota',
    );
  });

  it('names a bad cap or weekday in words a channel manager understands', async () => {
    const { subscriptionSchema } = await import('../src/core/digests/subscription.js');
    const base = { platform: 'slack', channelId: 'C1', topics: ['nato-status'] };
    const bad = (extra: object) => subscriptionSchema.safeParse({ ...base, ...extra }).error?.issues.map((i) => i.message);
    expect(bad({ schedule: { time: '08:00', timezone: 'UTC' }, cap: Number('abc') })).toEqual(['cap must be a whole number from 1 to 50']);
    expect(bad({ schedule: { time: '08:00', timezone: 'UTC', weekdays: ['fun'] } })).toEqual([
      'weekdays must be daily, weekdays, or days such as mon,wed,fri',
    ]);
  });
});
