/**
 * A memory cgroup for one benchmark run: what a container's memory limit
 * (`docker run --memory`, a Kubernetes limit) does to a process, on this
 * machine without a container engine. cgroup v2 where its memory controller
 * is enabled (`memory.max`, `memory.peak`, `memory.events`), else cgroup v1's
 * memory controller (`memory.limit_in_bytes`, `memory.max_usage_in_bytes`,
 * `memory.oom_control`). Both charge a page to the cgroup that first touches
 * it — anonymous memory and the page cache alike, so the code of a library
 * the process maps counts only when its pages were not cached already:
 * `dropPageCache` first. Needs root.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './pipeline-common.js';

const V2_ROOT = '/sys/fs/cgroup';
const V1_ROOT = '/sys/fs/cgroup/memory';

/** What the kernel says of a cgroup after a run. */
export interface CgroupFigures {
  /** Highest memory charged to the cgroup (anonymous memory and page cache), MiB: under load it reaches the limit, since the kernel reclaims the page cache only then. */
  readonly peak_mib: number;
  /** Highest anonymous memory of the cgroup among the samples (`sample()`), MiB: what the kernel cannot reclaim without swap; at the limit, the process is killed. */
  readonly anon_mib_max: number;
  /** Processes the kernel killed for the limit. */
  readonly oom_kills: number;
  /** Pages faulted in from disk (code and data the limit had pushed out), since the cgroup was made. */
  readonly major_faults: number;
}

export interface MemoryCgroup {
  readonly version: 1 | 2;
  /** Write a pid here to move that process in. */
  readonly procsFile: string;
  /** Reads the cgroup's anonymous memory now, keeping the highest (call it every second or so). */
  sample(): void;
  figures(): CgroupFigures;
  /** Removes the cgroup (its processes must have exited); retried for a few seconds while the kernel lets go. */
  remove(): Promise<void>;
}

/** Why a memory cgroup cannot be made here, or null when it can. */
export function memoryCgroupUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'making a memory cgroup needs root';
  if (v2Usable() || existsSync(join(V1_ROOT, 'memory.limit_in_bytes'))) return null;
  return `no cgroup with a memory controller: neither ${V2_ROOT}/cgroup.subtree_control lists "memory" nor ${V1_ROOT} exists`;
}

function v2Usable(): boolean {
  const control = join(V2_ROOT, 'cgroup.subtree_control');
  return existsSync(control) && readFileSync(control, 'utf8').split(/\s+/).includes('memory');
}

function statOf(file: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [k, v] = line.split(' ');
    if (k !== undefined && v !== undefined) out[k] = Number(v);
  }
  return out;
}

const MIB = 1_048_576;

/** A new memory cgroup limited to `limitBytes`, named `name`. */
export function createMemoryCgroup(name: string, limitBytes: number): MemoryCgroup {
  const why = memoryCgroupUnavailable();
  if (why !== null) throw new Error(why);
  const version = v2Usable() ? 2 : 1;
  const dir = join(version === 2 ? V2_ROOT : V1_ROOT, name);
  mkdirSync(dir);
  const file = (f: string): string => join(dir, f);
  if (version === 2) {
    writeFileSync(file('memory.max'), String(limitBytes));
    writeFileSync(file('memory.swap.max'), '0');
  } else {
    writeFileSync(file('memory.limit_in_bytes'), String(limitBytes));
  }
  let peakV2 = 0;
  let anonMax = 0;
  const current = (): number => Number(readFileSync(file('memory.current'), 'utf8'));
  return {
    version,
    procsFile: file('cgroup.procs'),
    sample(): void {
      try {
        const stat = statOf(file('memory.stat'));
        anonMax = Math.max(anonMax, (version === 2 ? stat.anon : stat.total_rss) ?? 0);
        if (version === 2) peakV2 = Math.max(peakV2, current());
      } catch {
        // removed already
      }
    },
    figures(): CgroupFigures {
      const anon_mib_max = Math.round(anonMax / MIB);
      if (version === 2) {
        // memory.peak exists from Linux 5.19; before it, the highest memory.current sampled.
        peakV2 = Math.max(peakV2, existsSync(file('memory.peak')) ? Number(readFileSync(file('memory.peak'), 'utf8')) : current());
        return { peak_mib: Math.round(peakV2 / MIB), anon_mib_max, oom_kills: statOf(file('memory.events')).oom_kill ?? 0, major_faults: statOf(file('memory.stat')).pgmajfault ?? 0 };
      }
      const oom = statOf(file('memory.oom_control'));
      return { peak_mib: Math.round(Number(readFileSync(file('memory.max_usage_in_bytes'), 'utf8')) / MIB), anon_mib_max, oom_kills: oom.oom_kill ?? 0, major_faults: statOf(file('memory.stat')).total_pgmajfault ?? 0 };
    },
    async remove(): Promise<void> {
      for (let attempt = 0; ; attempt++) {
        try {
          rmdirSync(dir);
          return;
        } catch (err) {
          if (attempt >= 50) throw err;
          await sleep(200);
        }
      }
    },
  };
}

/** Writes dirty pages out and drops the clean page cache (root), so the next run's library and data pages are charged to it. */
export function dropPageCache(): void {
  execFileSync('sync');
  writeFileSync('/proc/sys/vm/drop_caches', '3');
}
