/** @module The machine's processes as /proc lists them: who is whose child, and CPU time used. */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessRow { pid: number; parent: number; command: string; /** user + system CPU time, in clock ticks (USER_HZ, 100 on Linux). */ ticks: number }

/** Every process now, by pid. */
export function processTable(): Map<number, ProcessRow> {
  const table = new Map<number, ProcessRow>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: pid (command) state parent ...; the command may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), { pid: Number(entry), parent: Number(rest[1]), command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ticks: Number(rest[11]) + Number(rest[12]) });
    } catch {
      // the process ended while we looked
    }
  }
  return table;
}

/** `rootPid` and all its descendants in `table`. */
export function processTree(rootPid: number, table: Map<number, ProcessRow> = processTable()): Set<number> {
  const tree = new Set([rootPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of table.values()) if (!tree.has(p.pid) && tree.has(p.parent)) { tree.add(p.pid); grew = true; }
  }
  return tree;
}
