import { join } from 'node:path';
import { createCore } from '../app.js';
import { WEEKDAYS } from '../core/digests/schedule.js';
import { loadFeeds } from '../core/feeds/config.js';
import { counted } from '../core/text.js';
import { createLogger } from '../logger.js';
import { createNews } from '../news.js';
import { terminalDigestTarget } from '../platforms/local/digest-target.js';
import { runTerminal } from '../platforms/local/terminal.js';
import { packageRoot } from './paths.js';

const CHANNEL = 'terminal';

/**
 * `npm run demo`: both jobs on embedded defaults, chatting in this terminal. The briefs answer
 * commands; the sample feeds in examples/ are polled into SQLite under ./data/demo, and this terminal is
 * subscribed to a daily digest, so `/digest now` posts one. No account anywhere.
 */
export async function runDemo(): Promise<void> {
  const interactive = Boolean(process.stdin.isTTY);
  // Logs go to stderr so the chat stays readable; only warnings in the demo.
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', [], process.stderr);
  // Never the bot's DATA_DIR: the demo's undated sample stories and its terminal subscription would
  // go out in a real channel's next digest.
  const dataDir = process.env.DEMO_DATA_DIR || './data/demo';
  const core = createCore({ BRIEFS_DIR: process.env.BRIEFS_DIR ?? join(packageRoot, 'briefs'), DATA_DIR: dataDir }, logger);
  // Its own variable: the bot's FEEDS_FILE lists real feeds, and the demo is the sample ones.
  const feedsFile = process.env.DEMO_FEEDS_FILE || join(packageRoot, 'examples', 'feeds.yaml');
  const { feeds, problems, unknownTopics } = loadFeeds(feedsFile, undefined, core.briefs.topics());
  for (const p of [...problems, ...unknownTopics]) logger.warn(`${p.file}:${p.line}: ${p.message}`);

  const news = createNews({
    dataDir,
    feeds,
    briefs: core.briefs,
    targets: new Map([['local', terminalDigestTarget(process.stdout)]]),
    logger,
    // The sample feeds tell real 2025 stories: let their age through, which a live digest would not.
    maxStoryAgeDays: 3650,
    declared: [
      {
        platform: 'local',
        channelId: CHANNEL,
        topics: core.briefs.list().map((b) => b.topic),
        schedule: { time: '08:00', timezone: 'America/Bogota', weekdays: [...WEEKDAYS] },
        cap: 10,
        postWhenEmpty: false,
      },
    ],
  });
  core.context.digests = news.digests;
  core.context.headlines = news.headlines;
  core.context.feedHealth = news.feedHealth;
  await news.start();
  const stopWatching = core.briefs.watch();
  process.stdout.write(
    `briefbot demo: ${counted(core.briefs.list().length, 'brief')} loaded, ${counted(feeds.length, 'sample feed')} polled. ` +
      `Type /help, /nato-status, /china-ties or /digest now.${interactive ? ' /quit to leave.' : ''}\n`,
  );
  await runTerminal(core, { input: process.stdin, output: process.stdout, interactive, channelId: CHANNEL });
  stopWatching();
  await news.stop();
}
