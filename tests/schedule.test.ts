import { describe, expect, it } from 'vitest';
import {
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

  it('moves a time a DST change skips forward by the gap, in every zone, and fires a repeated time once', () => {
    const at = (time: string, timezone: string, from: string, to: string) =>
      slotsBetween({ time, timezone, weekdays: [...bogota.weekdays] }, new Date(from), new Date(to)).map((d) => d.toISOString());
    // New York 02:30 on 8 March 2026 does not exist (02:00 → 03:00): 03:30 EDT, and the days around it as usual.
    expect(at('02:30', 'America/New_York', '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z')).toEqual([
      '2026-03-07T07:30:00.000Z',
      '2026-03-08T07:30:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
    // These used to move back across the gap: London 01:30 read as 00:30, Lord Howe 02:15 as 01:45.
    expect(at('01:30', 'Europe/London', '2026-03-29T00:00:00Z', '2026-03-29T12:00:00Z')).toEqual(['2026-03-29T01:30:00.000Z']);
    expect(at('02:15', 'Australia/Lord_Howe', '2026-10-03T12:00:00Z', '2026-10-04T00:00:00Z')).toEqual(['2026-10-03T15:45:00.000Z']);
    expect(at('00:30', 'America/Santiago', '2026-09-06T00:00:00Z', '2026-09-06T12:00:00Z')).toEqual(['2026-09-06T04:30:00.000Z']);
    // 01:30 happens twice on 1 November in New York: one slot, the first.
    expect(at('01:30', 'America/New_York', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z')).toEqual(['2026-11-01T05:30:00.000Z']);
  });

  it('keeps to the chosen weekdays', () => {
    const weekdays: Schedule = { ...bogota, weekdays: ['mon', 'wed', 'fri'] };
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
      "'fun' is not a day: weekdays must be daily, weekdays, or days such as mon,wed,fri or mon-fri",
    ]);
  });
});
