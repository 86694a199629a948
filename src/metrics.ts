import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { CommandEvent } from './core/commands/dispatch.js';

export interface Metrics {
  registry: Registry;
  observeCommand(event: CommandEvent): void;
  briefReloadErrors: Counter;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const commands = new Counter({
    name: 'briefbot_commands_total',
    help: 'Commands answered, by platform, command and outcome',
    labelNames: ['platform', 'command', 'outcome'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'briefbot_command_duration_seconds',
    help: 'Time from request to reply',
    labelNames: ['platform'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const briefReloadErrors = new Counter({
    name: 'briefbot_brief_reload_errors_total',
    help: 'Brief files that failed to load on a reload',
    registers: [registry],
  });
  return {
    registry,
    briefReloadErrors,
    observeCommand(event) {
      // Unknown names are user input: keep label cardinality bounded.
      const command = event.outcome === 'unknown' ? '(unknown)' : event.command;
      commands.inc({ platform: event.platform, command, outcome: event.outcome });
      latency.observe({ platform: event.platform }, event.ms / 1000);
    },
  };
}
