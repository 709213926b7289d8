import type { Command } from 'commander';

// `certgate ca init|serve` — registered by the PKI lab (ca/).
export function registerCaCommands(_program: Command): void {}
