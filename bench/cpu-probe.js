// Measures how idle the machine's CPUs are, from the aggregate line of /proc/stat (Linux only).

'use strict';

const fs = require('node:fs');

// Returns { idle, total } jiffies summed over all CPUs, or null where /proc/stat is missing.
function readCpuTimes() {
  let text;
  try {
    text = fs.readFileSync('/proc/stat', 'utf8');
  } catch {
    return null;
  }
  const fields = text.split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: idle time is idle + iowait.
  const idle = fields[3] + (fields[4] || 0);
  const total = fields.slice(0, 8).reduce((sum, value) => sum + (value || 0), 0);
  return { idle, total };
}

// Resolves to the idle share of all CPUs (0 to 1) over the next durationMs milliseconds, or null.
async function sampleIdleShare(durationMs = 1000) {
  const before = readCpuTimes();
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  const after = readCpuTimes();
  if (before === null || after === null || after.total === before.total) return null;
  return (after.idle - before.idle) / (after.total - before.total);
}

module.exports = { sampleIdleShare };
