/**
 * Every `tally` subcommand, in the order `tally --help` lists them. A file
 * here declares one command's name, flags and help, and imports the command's
 * work (src/cli/commands/<name>.ts) only when the command runs: `tally --help`
 * loads commander and these files, nothing else (test/unit/cli/startup.test.ts
 * checks it).
 */
import type { Command } from 'commander';
import { registerApi } from './api.js';
import { registerBudgets } from './budgets.js';
import { registerMigrate } from './migrate.js';
import { registerPrice } from './price.js';
import { registerCustomers, registerPriceBook } from './price-book.js';
import { registerPrices } from './prices.js';
import { registerProcessor } from './processor.js';
import { registerQuota } from './quota.js';
import { registerReconcile } from './reconcile.js';
import { registerReplay } from './replay.js';
import { registerReprice } from './reprice.js';
import { registerReport } from './report.js';
import { registerSend } from './send.js';
import { registerStart } from './start.js';
import { registerWallet } from './wallet.js';
import { registerStatement } from './statement.js';
import { registerExport } from './export.js';

export type RegisterCommand = (program: Command) => void;

export const COMMANDS: readonly RegisterCommand[] = [registerStart, registerMigrate, registerProcessor, registerApi, registerSend, registerReplay, registerReprice, registerPrice, registerPrices, registerReport, registerBudgets, registerQuota, registerReconcile, registerCustomers, registerPriceBook, registerWallet, registerStatement, registerExport];
