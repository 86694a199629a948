import type { Config } from '../../config.js';
import type { PlatformAdapter, PlatformDeps } from '../types.js';

// Placeholder: replaced by the Bolt adapter.
export function createSlackAdapter(_config: Config, _deps: PlatformDeps): PlatformAdapter {
  throw new Error('the Slack adapter is not built yet');
}
