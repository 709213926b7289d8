// The certgate command line. Each room registers its own commands; this file only wires them and maps errors
// to exit codes: 0 success, 1 a check failed, 2 usage or infrastructure error.
import { Command, CommanderError } from 'commander';
import { registerCaCommands } from './commands/ca';
import { registerEmulateCommand } from './commands/emulate';
import { registerReportCommands } from './commands/report';
import { registerRunCommand } from './commands/run';
import { registerReproCommands } from './commands/repro';
import { registerExportCommands } from './commands/export';

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('certgate')
    .description('Emulator and conformance harness for API gateways that authenticate clients with certificates')
    .exitOverride()
    .showHelpAfterError();
  registerCaCommands(program);
  registerEmulateCommand(program);
  registerReportCommands(program);
  registerRunCommand(program);
  registerReproCommands(program);
  registerExportCommands(program);
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`certgate: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}
