import { createCore, runBot } from '../app.js';
import { type Config, ConfigError, configWarnings, loadConfig, secretsOf } from '../config.js';
import type { BriefLibrary, LoadReport } from '../core/briefs/library.js';
import { formatProblem } from '../core/briefs/schema.js';
import type { Platform } from '../core/commands/types.js';
import type { DigestTarget } from '../core/digests/outbox.js';
import type { SubscriptionSpec } from '../core/digests/subscription.js';
import { loadSubscriptionsFile } from '../core/digests/subscriptions-file.js';
import { FeedsFile, feedsFileNotes } from '../core/feeds/feeds-file.js';
import { createLogger, type Logger } from '../logger.js';
import { openNews } from '../news.js';
import { createNotifier } from '../notes.js';
import { createDiscordAdapter } from '../platforms/discord/adapter.js';
import { createSlackAdapter } from '../platforms/slack/adapter.js';
import type { PlatformAdapter, PlatformDeps } from '../platforms/types.js';
import { lastGoodFeeds } from '../store/last-good.js';
import { feedsFileWatcher } from './feeds-watch.js';

/** `npm start`: config → core → platforms and news → serve, until SIGTERM/SIGINT. */
export async function start(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env);
  if (!config.DISCORD_TOKEN && !config.SLACK_BOT_TOKEN) {
    throw new ConfigError(
      'No platform configured: set DISCORD_TOKEN (Discord) and/or SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET or SLACK_APP_TOKEN (Slack), in the environment (npm start and npm run briefbot also read .env).\n' +
        'To try briefbot without any account, run: npm run demo',
    );
  }
  const logger = createLogger(config.LOG_LEVEL, secretsOf(config));
  for (const warning of configWarnings(env, config)) logger.warn(warning);
  let onReload: (report: LoadReport) => void = () => {};
  let notifier: ReturnType<typeof createNotifier> | undefined;
  const core = createCore(config, logger, undefined, (report) => onReload(report));
  // As for feeds.yaml: with no brief and no last good copy (a first deployment), there is nothing to
  // serve, and a bot that answers every command "unknown" would pass its health check.
  if (core.briefs.list().length === 0) {
    const problems = core.loaded.problems.map(formatProblem);
    throw new ConfigError(
      `No brief to serve: BRIEFS_DIR ${config.BRIEFS_DIR} has none that reads cleanly, and DATA_DIR has no last good copies.${problems.length > 0 ? `\n  ${problems.join('\n  ')}` : ''}`,
    );
  }
  const declared = loadSubscriptions(config.SUBSCRIPTIONS_FILE, core.briefs.topics(), logger);
  // One bot per platform may share a store; still, a channel no process serves never gets a digest.
  const served = (p: Platform) => (p === 'discord' ? Boolean(config.DISCORD_TOKEN) : p === 'slack' ? Boolean(config.SLACK_BOT_TOKEN) : false);
  const unserved = declared?.filter((s) => !served(s.platform)).map((s) => `${s.platform}:${s.channelId}`) ?? [];
  if (unserved.length > 0) logger.warn({ channels: unserved }, `${config.SUBSCRIPTIONS_FILE}: subscriptions on a platform this process does not run get digests only from a bot that runs it`);
  const { feedsFile, feedsNotes } = openFeedsFile(config, core.briefs, logger);

  // Signals are handled from the first moment: a SIGTERM during start-up still shuts down cleanly.
  let stopping = false;
  let runningPromise: ReturnType<typeof runBot> | undefined;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const done = (code: number) => {
      logger.flush();
      process.exit(code);
    };
    // However far start-up got (a platform API that never answers holds it forever), the process is
    // gone within the grace period, before an orchestrator's SIGKILL.
    setTimeout(() => {
      logger.warn({ graceMs: config.SHUTDOWN_GRACE_MS }, 'shutdown did not finish within SHUTDOWN_GRACE_MS: exiting');
      done(1);
    }, config.SHUTDOWN_GRACE_MS + 1000).unref();
    (runningPromise ?? Promise.reject(new Error('not started')))
      .then((running) => running.stop())
      .then(
        () => {
          logger.info('stopped');
          done(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'unclean shutdown');
          done(1);
        },
      );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  runningPromise = runBot(
    config,
    core,
    (deps) => platformsFor(config, deps),
    (platforms) => {
      const targets = new Map<Platform, DigestTarget>();
      for (const p of platforms) if (p.digestTarget) targets.set(p.name, p.digestTarget);
      // A read-only or full DATA_DIR switches digests off (logged, on /readyz); briefs are still answered.
      const { news, service } = openNews({
        dataDir: config.DATA_DIR,
        feeds: feedsFile.feeds,
        briefs: core.briefs,
        targets,
        logger,
        declared,
        retentionDays: config.RETENTION_DAYS,
        maxStoryAgeDays: config.DIGEST_MAX_AGE_DAYS,
        onHealthEvent: (event) => void notifier?.feedHealth(event),
        onPolled: (summary) => core.metrics.observePoll(summary),
        onDeadLetter: (entry, reason) => {
          core.metrics.digestsDeadLettered.inc({ platform: entry.platform });
          void notifier?.digestDead(entry, reason);
        },
        onDisabled: () => {
          core.context.digests = undefined;
          core.context.headlines = undefined;
          core.context.feedHealth = undefined;
          onReload = () => {};
        },
      });
      if (!news) return [service];
      core.metrics.countFrom({ feeds: () => news.store.stateCounts(), outbox: () => news.digestStore.stateCounts() });
      notifier = createNotifier({
        targets,
        moderatorChannel: moderatorChannel(config),
        subscriptions: news.digestStore,
        log: logger,
        now: () => new Date(),
      });
      onReload = (report) => void notifier?.briefsReloaded(report);
      core.context.digests = news.digests;
      core.context.headlines = news.headlines;
      core.context.feedHealth = news.feedHealth;
      return [service, feedsFileWatcher(feedsFile, news, logger, (problems, notes) => void notifier?.feedsFile(problems, notes))];
    },
  );
  await runningPromise;
  // Once the platforms are up: a restart with a broken brief or feeds file is news to the moderators
  // as much as a broken edit is.
  await notifier?.briefsReloaded(core.loaded);
  if (feedsNotes.length > 0) await notifier?.feedsFile(true, feedsNotes);
}

/**
 * feeds.yaml as the bot starts on it: the file, or the copy of its last good version when it is
 * broken. Only a first deployment has no good version to fall back on: that is the operator's to
 * fix now. The notes say what is polled instead, for the log and (once running) the moderators.
 */
function openFeedsFile(config: Config, briefs: Pick<BriefLibrary, 'topics'>, logger: Logger) {
  const feedsFile = new FeedsFile(config.FEEDS_FILE, { copies: lastGoodFeeds(config.DATA_DIR, logger), topics: () => briefs.topics() });
  const loaded = feedsFile.load();
  if (loaded.served === 'none') throw new ConfigError(`${config.FEEDS_FILE} has problems:\n  ${loaded.problems.map(formatProblem).join('\n  ')}`);
  const feedsNotes = feedsFileNotes(loaded);
  if (feedsNotes.length > 0) logger.warn({ notes: feedsNotes }, `${config.FEEDS_FILE}: problems`);
  return { feedsFile, feedsNotes };
}

function platformsFor(config: Config, deps: PlatformDeps): PlatformAdapter[] {
  const platforms: PlatformAdapter[] = [];
  if (config.DISCORD_TOKEN) platforms.push(createDiscordAdapter(config, deps));
  if (config.SLACK_BOT_TOKEN) platforms.push(createSlackAdapter(config, deps));
  return platforms;
}

function moderatorChannel(config: Config): { platform: Platform; channelId: string } | undefined {
  if (!config.MODERATOR_CHANNEL) return undefined;
  const [platform, channelId] = config.MODERATOR_CHANNEL.split(':') as [Platform, string];
  return { platform, channelId };
}

/** The subscriptions declared as code; a file with problems stops the start, naming each by line. */
function loadSubscriptions(file: string | undefined, topics: string[], logger: Logger): SubscriptionSpec[] | undefined {
  if (!file) return undefined;
  const { subscriptions, problems, unknownTopics } = loadSubscriptionsFile(file, undefined, topics);
  if (problems.length > 0) throw new ConfigError(`SUBSCRIPTIONS_FILE ${file} has problems:\n  ${problems.map(formatProblem).join('\n  ')}`);
  if (unknownTopics.length > 0) logger.warn({ problems: unknownTopics.map(formatProblem) }, `${file}: subscriptions name topics no brief has`);
  return subscriptions;
}
