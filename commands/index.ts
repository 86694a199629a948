import type { CommandModule } from '../src/core/commands/types.js';
import brief from './brief.js';
import chinaTies from './china-ties.js';
import decertification from './decertification.js';
import digest from './digest.js';
import feeds from './feeds.js';
import help from './help.js';
import natoStatus from './nato-status.js';

/** Every command the bot serves, in the order help lists them. */
export const commands: readonly CommandModule[] = [natoStatus, decertification, chinaTies, brief, digest, feeds, help];
