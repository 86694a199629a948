import type { Server } from 'node:http';
import { commands } from '../commands/index.js';
import { BriefLibrary, type LoadReport, servingNotes } from './core/briefs/library.js';
import { formatProblem } from './core/briefs/schema.js';
import type { CommandEvent, CommandObserver } from './core/commands/dispatch.js';
import type { CommandContext } from './core/commands/types.js';
import type { Config } from './config.js';
import { createHttpServer, listen } from './http/server.js';
import { checkRenderedSize } from './lint.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { PlatformAdapter, PlatformDeps } from './platforms/types.js';
import { lastGoodBriefs } from './store/last-good.js';

export interface Core {
  briefs: BriefLibrary;
  /** The briefs' first load: its problems are told to the moderators once the bot can post. */
  loaded: LoadReport;
  context: CommandContext;
  metrics: Metrics;
  observe: CommandObserver;
  logger: Logger;
}

/**
 * Briefs, commands, metrics and the one log line per command: what every way of running shares.
 * With a DATA_DIR, the last good version of each brief is kept there, so a brief broken while the
 * bot was down is still answered after it restarts.
 */
export function createCore(
  config: Pick<Config, 'BRIEFS_DIR'> & Partial<Pick<Config, 'DATA_DIR'>>,
  logger: Logger,
  now: () => Date = () => new Date(),
  onReload?: (report: LoadReport) => void,
): Core {
  const metrics = createMetrics();
  const warnProblems = (report: LoadReport, msg: string) =>
    logger.warn({ problems: report.problems.map(formatProblem), serving: servingNotes(report) }, msg);
  const briefs = new BriefLibrary(config.BRIEFS_DIR, {
    validate: checkRenderedSize,
    copies: config.DATA_DIR === undefined ? undefined : lastGoodBriefs(config.DATA_DIR, logger),
    onReload: (report) => {
      if (report.problems.length > 0) {
        metrics.briefReloadErrors.inc(new Set(report.problems.map((p) => p.file)).size);
        warnProblems(report, 'brief reload: problems found');
      } else {
        logger.info({ briefs: briefs.list().map((b) => b.topic) }, 'briefs reloaded');
      }
      onReload?.(report);
    },
  });
  const loaded = briefs.load();
  if (loaded.problems.length > 0) warnProblems(loaded, 'some briefs have problems');
  const context: CommandContext = { briefs, commands, now };
  const record = (event: CommandEvent) => {
    metrics.observeCommand(event);
    const line = { platform: event.platform, command: event.command, outcome: event.outcome, ms: Math.round(event.ms * 10) / 10 };
    if (event.outcome === 'error') logger.error({ ...line, errorId: event.errorId, err: event.error }, 'command failed');
    else logger.info(line, 'command');
  };
  // Counted and logged once the answer is on its way (the next turn of the event loop, before any
  // new request is read): the user does not wait for our bookkeeping.
  const observe: CommandObserver = (event) => setImmediate(record, event);
  return { briefs, loaded, context, metrics, observe, logger };
}

export interface Running {
  port: number;
  platforms: PlatformAdapter[];
  stop(): Promise<void>;
}

/** Something that runs beside the platforms (the feed poller and digest scheduler). */
export interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Why this service is off, or not fully up yet, while the bot answers (listed on /readyz, which stays 200). */
  degraded?(): string | undefined;
}

/** Start the platforms and the HTTP server; `stop` undoes it in reverse, bounded by the grace period. */
export async function runBot(
  config: Config,
  core: Core,
  makePlatforms: (deps: PlatformDeps) => PlatformAdapter[],
  makeServices: (platforms: PlatformAdapter[]) => Service[] = () => [],
): Promise<Running> {
  const platforms = makePlatforms({ context: core.context, observe: core.observe, logger: core.logger });
  const services = makeServices(platforms);
  const stopWatching = core.briefs.watch();
  let started = false;
  const server: Server = createHttpServer({
    registry: core.metrics.registry,
    routes: Object.assign({}, ...platforms.map((p) => p.routes ?? {})),
    readiness: () => {
      const reasons: string[] = [];
      if (!started) reasons.push('starting');
      if (core.briefs.list().length === 0) reasons.push('no briefs loaded');
      for (const p of platforms) {
        const h = p.health();
        if (!h.ready) reasons.push(`${p.name}: ${h.reason ?? 'not connected'}`);
      }
      const degraded = services.flatMap((s) => s.degraded?.() ?? []);
      return { ready: reasons.length === 0, reasons, degraded };
    },
  });
  const closeServer = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections?.();
  };
  let port: number;
  try {
    port = await listen(server, config.PORT, config.HOST);
    core.logger.info({ port }, 'http server listening');
    await Promise.all(platforms.map((p) => p.start()));
    for (const s of services) await s.start();
    started = true;
  } catch (err) {
    // Leave nothing running behind a failed start.
    stopWatching();
    await Promise.allSettled([...services.map((s) => s.stop()), ...platforms.map((p) => p.stop())]);
    if (server.listening) await closeServer();
    throw err;
  }
  core.logger.info({ platforms: platforms.map((p) => p.name) }, 'briefbot is running');

  return {
    port,
    platforms,
    async stop() {
      stopWatching();
      const grace = new Promise<void>((resolve) => setTimeout(resolve, config.SHUTDOWN_GRACE_MS).unref());
      await Promise.race([Promise.allSettled(services.map((s) => s.stop())), grace]);
      await Promise.race([Promise.allSettled(platforms.map((p) => p.stop())), grace]);
      await closeServer();
    },
  };
}
