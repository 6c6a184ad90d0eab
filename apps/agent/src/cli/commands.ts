import type { Command } from 'commander';

/** A CLI command module: adds its (sub)command to the program. Each lives in `<name>.command.ts`. */
export type RegisterCommand = (program: Command) => void;

/** Registered command modules, in help order. */
export const COMMANDS: RegisterCommand[] = [];
