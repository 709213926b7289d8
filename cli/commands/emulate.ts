import type { Command } from 'commander';

// `certgate emulate` — registered by the emulator.
export function registerEmulateCommand(_program: Command): void {}
