import { z } from 'zod';
import { foldTokens } from '../feeds/text.js';
import { isWebUrl } from '../untrusted.js';

/** A calendar date, YYYY-MM-DD, that exists. */
export const isoDate = z
  .string({ error: 'must be a date written YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date written YYYY-MM-DD', abort: true })
  .refine((s) => isRealDate(s), { message: 'is not a real calendar date', abort: true });

/**
 * A date that has come somewhere: up to one day past UTC's date, since it is already tomorrow in
 * Auckland. A later one would read as "(today)" in replies until it came.
 */
export const pastDate = isoDate.refine(
  (s) => s <= new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
  'is a date in the future',
);

export const httpUrl = z
  .string({ error: 'must be a URL' })
  .refine((s) => URL.canParse(s), { message: 'is not a valid URL', abort: true })
  .refine((s) => /^https?:$/.test(new URL(s).protocol), { message: 'must be an http(s) link', abort: true })
  // The same test replies use to draw a link: 'https:/x' parses as a URL but would show no link.
  .refine((s) => isWebUrl(s), "must start with 'https://' or 'http://' (two slashes)");

/** A heading or status line: one line, since replies show it as one. */
function oneLine(max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !/[\r\n]/.test(s), 'must be one line (a YAML | or > block, or a line break, makes several)');
}

export const LIMITS = {
  title: 100,
  status: 300,
  summary: 1200,
  line: 500,
  sourceTitle: 200,
} as const;

export const sourceSchema = z.strictObject({
  id: z.string().regex(/^s\d+$/, 'source id must look like s1, s2, …'),
  title: z.string().min(1).max(LIMITS.sourceTitle),
  publisher: z.string().min(1).max(100),
  url: httpUrl,
  published: pastDate.optional(),
});

const term = z
  .string()
  .trim()
  .min(1, { message: 'cannot be empty', abort: true })
  // Tagging matches whole words; a term with no word in it (`*`, `-`) would never match anything.
  .refine((t) => foldTokens(t).length > 0, 'needs a letter or digit: a term of only symbols never matches');

export const matchSchema = z.strictObject({
  all: z.array(z.array(term).min(1, 'a match group needs at least one term')).default([]),
  none: z.array(term).default([]),
});

const WHOLE_DAYS = 'must be a whole number of days, 1 or more';

export const frontMatterSchema = z.strictObject({
  topic: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'topic must be lowercase letters, digits and -, at most 32'),
  title: oneLine(LIMITS.title),
  status: oneLine(LIMITS.status),
  updated: pastDate,
  stale_after_days: z.number({ error: WHOLE_DAYS }).int(WHOLE_DAYS).positive(WHOLE_DAYS).default(30),
  sources: z.array(sourceSchema).min(1, 'a brief needs at least one source'),
  match: matchSchema.default({ all: [], none: [] }),
});

export const citedTextSchema = z.object({
  text: z.string(),
  refs: z.array(z.string()),
  line: z.number().int(),
});

export const timelineEntrySchema = citedTextSchema.extend({ date: z.string() });

export const briefSchema = frontMatterSchema.extend({
  file: z.string(),
  summary: citedTextSchema,
  facts: z.array(citedTextSchema),
  timeline: z.array(timelineEntrySchema),
  watch: z.array(citedTextSchema),
});

export type FrontMatter = z.infer<typeof frontMatterSchema>;
export type Source = z.infer<typeof sourceSchema>;
export type MatchRules = z.infer<typeof matchSchema>;
export type CitedText = z.infer<typeof citedTextSchema>;
export type TimelineEntry = z.infer<typeof timelineEntrySchema>;
export type Brief = z.infer<typeof briefSchema>;

export interface Problem {
  file: string;
  line: number;
  message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}: ${p.message}`;
}

export function isRealDate(s: string): boolean {
  const [y, m, d] = s.split('-').map(Number);
  if (y === undefined || m === undefined || d === undefined) return false;
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Timeline dates may be a year, a month or a day. */
export function isTimelineDate(s: string): boolean {
  if (/^\d{4}$/.test(s)) return true;
  if (/^\d{4}-\d{2}$/.test(s)) return isRealDate(`${s}-01`);
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && isRealDate(s);
}
