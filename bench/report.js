// Markdown formatting of benchmark results.

'use strict';

function formatMachine(machine) {
  const packages = Object.entries(machine.packages).map(([name, version]) => `${name} ${version}`).join(', ');
  return [
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB`,
    `- Node ${machine.node}; ${packages}`,
    `- Date: ${machine.date}; commit ${machine.commit}; library build in \`${machine.dist}\``,
    `- Command: \`${machine.command}\``,
    `- Load average at start (1, 5, 15 min): ${machine.loadAverage}`,
  ].join('\n');
}

function formatNumber(value, digits) {
  return value === undefined ? '' : value.toFixed(digits);
}

function formatIdle(idle) {
  if (!idle) return '';
  const share = (value) => (typeof value === 'number' ? `${Math.round(value * 100)}%` : '?');
  return `CPU idle share before / after: ${share(idle.before)} / ${share(idle.after)}. `;
}

// One case as a heading, a line about the run and a table of methods.
function formatCaseTable(result) {
  const { spec } = result;
  const lines = [
    `### ${spec.title}`,
    '',
    `${formatIdle(result.idle)}Output ${(spec.outputBytes / 2 ** 20).toFixed(1)} MiB; ${spec.rounds} rounds after ${spec.warmup} warm-up rounds.`,
    '',
    '| method | median ms | min ms | output GB/s | x set |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const row of result.summary) {
    if (row.status !== 'ok') {
      lines.push(`| ${row.name} | ${row.status}: ${row.detail} | | | |`);
      continue;
    }
    lines.push(`| ${row.name} | ${formatNumber(row.medianMs, 2)} | ${formatNumber(row.minMs, 2)} | ${formatNumber(row.gbPerSecond, 2)} | ${formatNumber(row.ratio, 2)} |`);
  }
  return lines.join('\n');
}

function formatTargets(targets) {
  const lines = ['| target | case | measured | verdict |', '| --- | --- | --- | --- |'];
  for (const row of targets) lines.push(`| ${row.target} | ${row.caseTitle} | ${row.value} | ${row.verdict} |`);
  return lines.join('\n');
}

module.exports = { formatMachine, formatCaseTable, formatTargets };
