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
