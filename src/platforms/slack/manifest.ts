import type { Config } from '../../config.js';

// Placeholder: replaced by the manifest builder.
export function slackManifest(_config: Config, _options: { requestUrl?: string }): string {
  throw new Error('the manifest is not built yet');
}
