import type { Reply } from '../reply.js';
import { deepFreeze } from '../frozen.js';
import { type BriefReplyOptions, briefReply } from './to-reply.js';
import type { Brief } from './schema.js';

// Views of one brief: 6 sections × shared/ephemeral × 2 command names, for a day, plus headline changes.
const VIEWS_PER_BRIEF = 64;
const views = new WeakMap<Brief, Map<string, Reply>>();

/**
 * briefReply, but the same view of the same brief on the same day with the same headlines is the
 * same frozen Reply object, so a platform renders it once (see platforms/render-once.ts). Keyed by
 * the Brief object, so a reload (new objects) starts afresh and old views are collected with it.
 */
export function memoBriefReply(brief: Brief, options: BriefReplyOptions): Reply {
  const key = viewKey(options);
  let known = views.get(brief);
  if (!known) {
    known = new Map();
    views.set(brief, known);
  }
  const hit = known.get(key);
  if (hit) return hit;
  // Bounded crudely: a full map is yesterday's and stale headlines' views, mostly.
  if (known.size >= VIEWS_PER_BRIEF) known.clear();
  const reply = deepFreeze(briefReply(brief, options));
  known.set(key, reply);
  return reply;
}

function viewKey(o: BriefReplyOptions): string {
  // The UTC day is all `now` changes in a brief (its age label); headlines are compared whole.
  const day = Math.floor(o.now.getTime() / 86_400_000);
  const headlines = o.headlines?.length ? JSON.stringify(o.headlines) : '';
  return `${o.section}\n${o.ephemeral}\n${o.command}\n${day}\n${headlines}`;
}
