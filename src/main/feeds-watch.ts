import type { Service } from '../app.js';
import { type FeedsFile, feedsFileNotes } from '../core/feeds/feeds-file.js';
import type { Log } from '../core/log.js';
import type { News } from '../news.js';

/**
 * feeds.yaml edited while the bot runs: a good edit is polled from now on (its new and changed feeds
 * at once), a broken one leaves the feeds polled as they were. Either way the log and `notify` (the
 * moderators) say what happened.
 */
export function feedsFileWatcher(feedsFile: FeedsFile, news: Pick<News, 'setFeeds'>, log: Log, notify: (problems: boolean, notes: string[]) => void): Service {
  let stop = () => {};
  return {
    async start() {
      stop = feedsFile.watch((report) => {
        const notes = feedsFileNotes(report);
        const problems = report.problems.length > 0;
        if (problems) log.warn({ notes }, `${feedsFile.path} reload: problems found`);
        else if (notes.length > 0) log.info({ notes }, `${feedsFile.path} reloaded`);
        if (report.served === 'file') news.setFeeds(report.feeds).catch((err: unknown) => log.error({ err }, 'feeds reload failed'));
        if (notes.length > 0) notify(problems, notes);
      });
    },
    async stop() {
      stop();
    },
  };
}
