/** Every `tally` subcommand, in the order `tally --help` lists them. */
import type { Command } from 'commander';
import { registerPrice } from './price.js';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: readonly RegisterCommand[] = [registerPrice];
