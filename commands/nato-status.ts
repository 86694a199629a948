import { briefCommand } from '../src/core/commands/brief-command.js';

export default briefCommand({
  topic: 'nato-status',
  description: "Colombia and NATO: the global-partner status and Petro's exit",
});
