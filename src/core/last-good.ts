/**
 * The last good text of files moderators edit (briefs, feeds.yaml), kept across restarts in the data
 * dir: without it, an edit broken while the bot was down would take what it describes offline at
 * the next start. Never throws; a copy that cannot be read is absent.
 */
export interface LastGoodCopies {
  read(name: string): { text: string; savedAt: Date } | undefined;
  write(name: string, text: string): void;
  remove(name: string): void;
  names(): string[];
}

/** `2026-11-20 14:02 UTC`: when a copy was saved, for the moderators. */
export const savedMinute = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
