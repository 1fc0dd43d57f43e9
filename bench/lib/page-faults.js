// What one minor page fault (the first touch of a fresh 4 KiB page) costs on this machine:
// the time to write one byte per page of freshly allocated memory, less the time to do it
// again, per fault counted. On bare metal that is well under a microsecond; on some virtual
// machines every first touch also traps to the hypervisor and costs ten times more or worse.
// The HTTP tables count page faults per request, and this turns them into CPU time.

import { median } from './median.js';

const PAGE = 4096;

/** Median over `rounds` of the microseconds per minor page fault, touching `mib` MiB each round. */
export function pageFaultCostUs({ mib = 64, rounds = 3 } = {}) {
  const costs = [];
  for (let round = 0; round < rounds; round++) {
    // Not from Node's pool and not zero-filled: malloc'ed, mapped but never touched.
    const buffer = Buffer.allocUnsafeSlow(mib * 2 ** 20);
    const faultsBefore = process.resourceUsage().minorPageFault;
    const start = process.hrtime.bigint();
    for (let i = 0; i < buffer.length; i += PAGE) buffer[i] = 1;
    const touched = process.hrtime.bigint();
    for (let i = 0; i < buffer.length; i += PAGE) buffer[i] = 2;
    const again = process.hrtime.bigint();
    const faults = process.resourceUsage().minorPageFault - faultsBefore;
    if (faults > 0) costs.push(Number(touched - start - (again - touched)) / 1000 / faults);
  }
  return costs.length > 0 ? median(costs) : Number.NaN;
}
