/**
 * Loads the Lua scripts of src/counters/redis/lua/ (`<name>-<numkeys>.lua`), inlines
 * their `--@include "x"` lines from lua/includes/x.lua, and registers each
 * once per connection with ioredis `defineCommand` under a name carrying the
 * package version (`tally_0_1_0_apply`), so two tally versions sharing one
 * Redis never run each other's script. ioredis sends EVALSHA and falls back to
 * EVAL once per connection when Redis does not know the script.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TallyError, errorMessage } from '../../core/errors.js';

export const LUA_DIR: string = fileURLToPath(new URL('./lua/', import.meta.url));

export const SCRIPT_NAMES = ['apply', 'read', 'reserve', 'lease', 'grants', 'settle', 'marks', 'snapshot', 'swap', 'epoch'] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

export interface LuaScript {
  readonly name: ScriptName;
  readonly numberOfKeys: number;
  readonly lua: string;
}

const FILE_RE = /^([a-z]+)-(\d+)\.lua$/;
const INCLUDE_RE = /^--@include "([a-z-]+)"\s*$/gm;

function isScriptName(name: string): name is ScriptName {
  return (SCRIPT_NAMES as readonly string[]).includes(name);
}

/** The package version, from the nearest package.json above this module. */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tally' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here; look one folder up
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}

/** `tally_<version>_<name>`, with the version's dots and dashes as underscores. */
export function commandName(name: ScriptName, version: string = packageVersion()): string {
  return `tally_${version.replace(/[^A-Za-z0-9]/g, '_')}_${name}`;
}

function inline(text: string, dir: string): string {
  return text.replace(INCLUDE_RE, (_line, include: string) => readFileSync(join(dir, 'includes', `${include}.lua`), 'utf8'));
}

/** Reads every script of `dir`. */
export function loadScripts(dir: string = LUA_DIR): Map<ScriptName, LuaScript> {
  const out = new Map<ScriptName, LuaScript>();
  try {
    for (const file of readdirSync(dir)) {
      const m = FILE_RE.exec(file);
      if (!m) continue;
      const name = m[1] ?? '';
      if (!isScriptName(name)) continue;
      out.set(name, { name, numberOfKeys: Number(m[2]), lua: inline(readFileSync(join(dir, file), 'utf8'), dir) });
    }
  } catch (err) {
    throw new TallyError('INTERNAL', `cannot read the counter scripts in ${dir}: ${errorMessage(err)}`, { cause: err });
  }
  for (const name of SCRIPT_NAMES) {
    if (!out.has(name)) throw new TallyError('INTERNAL', `counter script ${name}-N.lua is missing from ${dir}`);
  }
  return out;
}
