import type { Command } from 'commander';
import { register as checks } from './checks.command.js';
import { register as collect } from './collect.command.js';
import { register as policy } from './policy.command.js';
import { register as scan } from './scan.command.js';
import { register as run } from './run.command.js';
import { register as status } from './status.command.js';
import { register as enroll } from './enroll.command.js';

/** A CLI command module: adds its (sub)command to the program. Each lives in `<name>.command.ts`. */
export type RegisterCommand = (program: Command) => void;

/** Registered command modules, in help order. */
export const COMMANDS: RegisterCommand[] = [scan, collect, checks, policy, run, status, enroll];
