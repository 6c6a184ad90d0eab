import type { Command } from 'commander';
import { register as credential } from './credential.command.js';
import { register as data } from './data.command.js';
import { register as migrate } from './migrate.command.js';
import { register as pki } from './pki.command.js';
import { register as serve } from './serve.command.js';
import { register as token } from './token.command.js';

/** A CLI command module: adds its (sub)command to the program. Each lives in `<name>.command.ts`. */
export type RegisterCommand = (program: Command) => void;

/** Registered command modules, in help order. */
export const COMMANDS: RegisterCommand[] = [serve, migrate, token, credential, pki, data];
