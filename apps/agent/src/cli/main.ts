import { COMMANDS } from './commands.js';
import { runProgram } from './program.js';

export { EXIT_USAGE } from './program.js';

await runProgram(COMMANDS);
