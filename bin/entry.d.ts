/** Types of entry.js (plain JavaScript: it runs before anything is compiled). */
export interface Entry {
  readonly kind: 'dist' | 'src';
  /** Absolute path of the module to import. */
  readonly file: string;
  /** Why this one, e.g. "built, up to date" or "src/ changed since the build". */
  readonly reason: string;
}
export declare const BUILD_STAMP: string;
export declare function newestMtimeMs(dir: string): number;
export declare function builtAtMs(root: string): number | null;
export declare function chooseEntry(root: string, env?: NodeJS.ProcessEnv): Entry;
