#!/usr/bin/env node
import { join, relative } from 'node:path';
import { Command, Option } from 'commander';
import { ConfigError, loadConfig } from './config.js';
import { BriefLibrary } from './core/briefs/library.js';
import { formatProblem } from './core/briefs/schema.js';
import { loadSubscriptionsFile } from './core/digests/subscriptions-file.js';
import { lintFeeds } from './core/feeds/config.js';
import { lintBriefs } from './lint.js';
import { ASK_FORMATS, type AskFormat, askReply } from './main/ask.js';
import { runDemo } from './main/demo.js';
import { DIGEST_FORMATS, type DigestFormat, printDigest, printStatus } from './main/digest-cli.js';
import { boundHeapGrowth } from './main/heap.js';
import { packageRoot } from './main/paths.js';
import { printFeedHealth, runPollOnce } from './main/feeds.js';

/** Paths shown relative to where the moderator stands, so `path:line` opens in an editor. */
const shown = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
};
const briefsDir = () => shown(process.env.BRIEFS_DIR || join(packageRoot, 'briefs'));
const feedsFile = () => shown(process.env.FEEDS_FILE || join(packageRoot, 'feeds.yaml'));

boundHeapGrowth();

const program = new Command('briefbot')
  .description('Sourced briefs and feed digests on Colombia’s foreign relations, for Discord and Slack')
  .showHelpAfterError();

// Platform libraries load only for the commands that need them, so demo and lint start fast.
program
  .command('start')
  .description('run the bot on the configured platforms')
  .action(async () => (await import('./main/start.js')).start());

program.command('demo').description('run the bot in this terminal on embedded defaults (no accounts)').action(runDemo);

program
  .command('ask')
  .description('print exactly what the bot would answer, e.g. briefbot ask "/nato-status section:facts"')
  .argument('<command>', 'the command line, as a user would type it')
  .addOption(new Option('-f, --format <format>', 'output format').choices(ASK_FORMATS).default('text'))
  .action(async (line: string, opts: { format: AskFormat }) => {
    const { text, failed } = await askReply(line, opts.format, briefsDir());
    process.stdout.write(text);
    process.exitCode = failed ? 1 : 0;
  });

program
  .command('lint')
  .description('check every brief, the feeds file and any subscriptions file; prints path:line: message for each problem, exit code 1 if any')
  .argument('[dir]', 'the briefs folder (default: BRIEFS_DIR or ./briefs)')
  .option('--feeds <file>', 'the feeds file (default: FEEDS_FILE or ./feeds.yaml)')
  .option('--subscriptions <file>', 'the subscriptions declared as code (default: SUBSCRIPTIONS_FILE, if set)')
  .action((dir: string | undefined, opts: { feeds?: string; subscriptions?: string }) => {
    const briefsProblems = lintBriefs(dir ?? briefsDir());
    const topics = new BriefLibrary(dir ?? briefsDir());
    topics.load();
    const feeds = opts.feeds ?? feedsFile();
    const subscriptionsFile = opts.subscriptions ?? process.env.SUBSCRIPTIONS_FILE;
    const subscriptions = subscriptionsFile ? loadSubscriptionsFile(shown(subscriptionsFile), undefined, topics.topics()) : undefined;
    const problems = [
      ...briefsProblems,
      ...lintFeeds(feeds, topics.topics()),
      ...(subscriptions ? [...subscriptions.problems, ...subscriptions.unknownTopics] : []),
    ];
    for (const p of problems) process.stdout.write(`${formatProblem(p)}\n`);
    const what = subscriptions ? 'briefs, feeds and subscriptions' : 'briefs and feeds';
    process.stderr.write(problems.length === 0 ? `${what}: no problems\n` : `${what}: ${problems.length} problem(s)\n`);
    process.exitCode = problems.length === 0 ? 0 : 1;
  });

program
  .command('register')
  .description('register the slash commands with Discord (global, or one guild) and print what changed')
  .option('--guild <id>', 'register in one guild only (instant; global takes up to an hour)')
  .action(async (opts: { guild?: string }) => {
    if (opts.guild !== undefined && !/^\d{17,20}$/.test(opts.guild)) throw new ConfigError(`--guild takes a numeric guild id (Developer Mode → Copy Server ID), got '${opts.guild}'`);
    // Discord's settings only: a Slack set up half-way must not stand in the way of registering.
    const discordOnly = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SLACK_')));
    const { registerCommands } = await import('./platforms/discord/register.js');
    await registerCommands(loadConfig(discordOnly), { guildId: opts.guild }, (line) => process.stdout.write(`${line}\n`));
  });

program
  .command('manifest')
  .description('print a Slack app manifest (YAML) declaring the commands, scopes and mode')
  .option('--request-url <url>', 'public URL of /slack/events, for HTTP mode')
  .option('--socket-mode', 'Socket Mode: no public URL (the default when SLACK_APP_TOKEN is set)')
  .action(async (opts: { requestUrl?: string; socketMode?: boolean }) => {
    if (opts.socketMode && opts.requestUrl) throw new ConfigError('--socket-mode and --request-url exclude each other: Slack calls no URL in Socket Mode');
    // Needs no token: the app-level token (SLACK_APP_TOKEN) is made only after the app exists.
    const socketMode = opts.socketMode ?? (!opts.requestUrl && Boolean(process.env.SLACK_APP_TOKEN?.trim()));
    const { slackManifest } = await import('./platforms/slack/manifest.js');
    process.stdout.write(slackManifest({ socketMode }, { requestUrl: opts.requestUrl }));
  });

program
  .command('poll')
  .description('fetch every feed once, tag and cluster new items into the store, print per-feed results')
  .option('--once', 'one cycle, then exit (scheduled polling comes with digests)')
  .option('--feeds <file>', 'the feeds file (default: FEEDS_FILE or ./feeds.yaml)')
  .option('--force', 'poll feeds that are backing off after failures too')
  .action(async (opts: { once?: boolean; feeds?: string; force?: boolean }) => {
    if (!opts.once) throw new Error('only `poll --once` exists so far');
    const out = (text: string) => process.stdout.write(text);
    // The running bot's file by default: another list would fill its store with feeds it does not poll.
    process.exitCode = await runPollOnce({ feedsFile: opts.feeds ?? feedsFile(), briefsDir: briefsDir(), force: opts.force, out });
  });

program
  .command('feeds')
  .description('print each feed’s health from the store: state, last success, failures, next attempt, last error')
  .option('--feeds <file>', 'the feeds file whose feeds to show (default: FEEDS_FILE or ./feeds.yaml)')
  .action((opts: { feeds?: string }) => printFeedHealth((text) => process.stdout.write(text), process.env, opts.feeds ?? feedsFile()));

const dataDir = () => process.env.DATA_DIR || './data';

program
  .command('digest')
  .description('print the digest the stored news would give, without posting it')
  .option('--topics <list>', 'comma-separated topics (default: every brief)')
  .option('--since <when>', 'a date, an instant, or 24h / 3d back from now', '24h')
  .addOption(new Option('-f, --format <format>', 'output format').choices(DIGEST_FORMATS).default('text'))
  .option('--explain', 'say why each story was tagged (the terms that matched)')
  .option('--timezone <zone>', 'IANA zone for dates and times', 'America/Bogota')
  .option('--cap <n>', 'at most this many stories', '20')
  .action(async (o: { topics?: string; since: string; format: DigestFormat; explain?: boolean; timezone: string; cap: string }) => {
    process.stdout.write(await printDigest(dataDir(), briefsDir(), { ...o, cap: Number(o.cap) }));
  });

program
  .command('status')
  .description('subscriptions and next runs, the digest outbox and dead letters, failing feeds')
  .action(async () => {
    process.stdout.write(await printStatus(dataDir()));
  });

program.parseAsync().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`briefbot: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exit(1);
});
