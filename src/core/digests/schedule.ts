import { z } from 'zod';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

type Weekday = (typeof WEEKDAYS)[number];

const DAY_NAMES: Record<string, Weekday> = {
  sun: 'sun', sunday: 'sun', mon: 'mon', monday: 'mon', tue: 'tue', tues: 'tue', tuesday: 'tue',
  wed: 'wed', wednesday: 'wed', thu: 'thu', thur: 'thu', thurs: 'thu', thursday: 'thu',
  fri: 'fri', friday: 'fri', sat: 'sat', saturday: 'sat',
};

/**
 * Days as people write them: `daily`, `weekdays`, `weekends`, `mon,wed,fri`, `Monday`, `mon-fri`
 * (a range may wrap: `fri-mon`). A word that is no day is kept as written, for the schema to name.
 */
export function parseWeekdays(text: string): string[] {
  const t = text.trim().toLowerCase();
  if (t === 'daily' || t === 'every day') return [...WEEKDAYS];
  if (t === 'weekdays') return ['mon', 'tue', 'wed', 'thu', 'fri'];
  if (t === 'weekends') return ['sat', 'sun'];
  const days = new Set<Weekday>();
  const unknown: string[] = [];
  for (const token of t.split(/[\s,]+/).filter(Boolean)) {
    const [from, to, ...rest] = token.split('-').map((d) => DAY_NAMES[d]);
    if (from && to && rest.length === 0) {
      for (let i = WEEKDAYS.indexOf(from); ; i = (i + 1) % 7) {
        days.add(WEEKDAYS[i] as Weekday);
        if (WEEKDAYS[i] === to) break;
      }
    } else if (from && !token.includes('-')) {
      days.add(from);
    } else {
      unknown.push(token);
    }
  }
  return [...WEEKDAYS.filter((d) => days.has(d)), ...unknown];
}

export const scheduleSchema = z.object({
  /** Local wall-clock time, HH:MM (24 h). */
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'time must be HH:MM, 24-hour'),
  /** IANA zone, e.g. America/Bogota. */
  timezone: z.string().refine(isTimeZone, 'timezone must be an IANA zone such as America/Bogota'),
  weekdays: z
    .preprocess(
      (v) => (typeof v === 'string' ? parseWeekdays(v) : v),
      z
        .array(
          z.enum(WEEKDAYS, {
            error: (issue) => `'${String(issue.input)}' is not a day: weekdays must be daily, weekdays, or days such as mon,wed,fri or mon-fri`,
          }),
        )
        .min(1, 'weekdays must name at least one day'),
    )
    .default([...WEEKDAYS]),
});
export type Schedule = z.infer<typeof scheduleSchema>;

/** Zones already checked: every subscription read is validated, and building a formatter to check one costs ~0.1 ms. */
const knownZones = new Set<string>();

export function isTimeZone(zone: string): boolean {
  if (knownZones.has(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    return false;
  }
  knownZones.add(zone);
  return true;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function localParts(instant: Date, zone: string): LocalParts {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(instant).map((x) => [x.type, x.value]));
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    weekday: WEEKDAYS.indexOf(String(p.weekday).toLowerCase().slice(0, 3) as (typeof WEEKDAYS)[number]),
  };
}

/**
 * The instant when the wall clock in `zone` shows the given local date and time. A time that does
 * not exist (skipped by a DST change) moves forward by the gap: 02:30 on the night clocks go from
 * 02:00 to 03:00 is 03:30.
 */
export function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, zone: string): Date {
  const wanted = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wanted;
  // In a gap the guesses swing between the offsets before and after it; the later instant is the
  // one read with the offset before, which is the time moved forward.
  let latest = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const p = localParts(new Date(guess), zone);
    const next = wanted - (Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - guess);
    if (next === guess) return new Date(guess);
    latest = Math.max(latest, next);
    guess = next;
  }
  return new Date(latest);
}

/** Every scheduled instant in (from, to], oldest first. */
export function slotsBetween(s: Schedule, from: Date, to: Date): Date[] {
  const [hh, mm] = s.time.split(':').map(Number) as [number, number];
  const allowed = new Set(s.weekdays.map((d) => WEEKDAYS.indexOf(d)));
  const out: Date[] = [];
  const start = localParts(new Date(from.getTime() - 86_400_000), s.timezone);
  for (let d = 0; ; d++) {
    const noon = new Date(Date.UTC(start.year, start.month - 1, start.day + d, 12));
    const day = { y: noon.getUTCFullYear(), m: noon.getUTCMonth() + 1, d: noon.getUTCDate(), w: noon.getUTCDay() };
    const slot = zonedInstant(day.y, day.m, day.d, hh, mm, s.timezone);
    if (slot.getTime() > to.getTime() + 86_400_000) break;
    if (allowed.has(day.w) && slot > from && slot <= to) out.push(slot);
  }
  return out;
}

/** The latest scheduled instant at or before `now` (within two weeks), for catch-up after downtime. */
export function lastSlotAtOrBefore(s: Schedule, now: Date): Date | undefined {
  return slotsBetween(s, new Date(now.getTime() - 14 * 86_400_000), now).at(-1);
}

export function nextSlotAfter(s: Schedule, now: Date): Date | undefined {
  return slotsBetween(s, now, new Date(now.getTime() + 14 * 86_400_000))[0];
}

// Building an Intl formatter costs far more than using one: keep one per zone and style.
const dateFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(zone: string, style: 'long' | 'short'): Intl.DateTimeFormat {
  const key = `${style}|${zone}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(
      'en-GB',
      style === 'long'
        ? { timeZone: zone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }
        : { timeZone: zone, day: 'numeric', month: 'short', year: 'numeric' },
    );
    dateFormats.set(key, f);
  }
  return f;
}

/** The local date of an instant in a zone, e.g. for a digest's header: "Monday, 23 November 2026". */
export function localDate(instant: Date, zone: string): string {
  return dateFormat(zone, 'long').format(instant);
}

/** "16 Jul 2025", for stories older than the digest's day. */
export function shortLocalDate(instant: Date, zone: string): string {
  return dateFormat(zone, 'short').format(instant);
}

export function localTime(instant: Date, zone: string): string {
  const p = localParts(instant, zone);
  return `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}
