import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';

/** What the figures were measured on: printed at the head of every run. */
export function machineLine(): string {
  let cpu = 'unknown CPU';
  try {
    cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux
  }
  const mem = `${(totalmem() / (1 << 30)).toFixed(1)} GiB`;
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return `nproc ${availableParallelism()} · ${cpu} · ${mem} RAM · Node ${process.version} · ${new Date().toISOString()} · load ${load}`;
}
