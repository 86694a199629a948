import { briefCommand } from '../src/core/commands/brief-command.js';

export default briefCommand({
  topic: 'decertification',
  description: 'US decertification of Colombia on drugs: what it is and what follows',
});
