// A process's memory as the kernel counts it: VmRSS now, and its peak VmHWM.

import { readFileSync } from 'node:fs';

export const MB = 1024 * 1024;

export interface Memory {
  readonly rss: number;
  readonly hwm: number;
}

export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}
