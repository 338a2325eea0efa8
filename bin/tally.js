#!/usr/bin/env node
// The `tally` command. Runs the TypeScript sources through tsx so that
// `npx tally` works straight after `npm ci`, with no build step to remember.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
