import { briefCommand } from '../src/core/commands/brief-command.js';

export default briefCommand({
  topic: 'china-ties',
  description: "Colombia and China: strategic partnership, Belt and Road, the BRICS bank",
});
