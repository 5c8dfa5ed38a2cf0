// Canvas drawing for the demo: heat maps of vectors, the 2-D map of points and the loss curve.

const FONT = '12px system-ui, "DejaVu Sans", sans-serif';

// Diverging colour for value / scale in [-1, 1]: blue for negative, white at 0, orange-red for positive.
export function divergingColour(value, scale) {
  const t = Math.max(-1, Math.min(1, scale > 0 ? value / scale : 0));
  const white = [247, 247, 247];
  const end = t < 0 ? [33, 102, 172] : [178, 24, 43];
  const weight = Math.abs(t);
  const channel = (i) => Math.round(white[i] + (end[i] - white[i]) * weight);
  return `rgb(${channel(0)},${channel(1)},${channel(2)})`;
}

export function maxAbs(values) {
  let largest = 0;
  for (const value of values) if (Math.abs(value) > largest) largest = Math.abs(value);
  return largest;
}

// Sizes a canvas's backing store to its displayed size times the device pixel ratio and returns a context
// scaled to CSS pixels, so lines and text stay sharp.
export function prepareCanvas(canvas, cssHeight) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || canvas.width;
  const height = cssHeight ?? (canvas.clientHeight || canvas.height);
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.height = `${height}px`;
  const context = canvas.getContext('2d');
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { context, width, height };
}

// Draws rows x cols values as cells with row labels on the left. Returns the geometry for hit testing.
export function drawHeatmap(canvas, values, rows, cols, labels, scale) {
  const labelWidth = 118;
  const rowHeight = rows > 24 ? 8 : 16;
  const top = 4;
  const height = Math.max(top + rows * rowHeight + 22, 60);
  const { context, width } = prepareCanvas(canvas, height);
  context.clearRect(0, 0, width, height);
  const cellWidth = (width - labelWidth - 6) / Math.max(cols, 1);

  context.font = FONT;
  context.textBaseline = 'middle';
  for (let r = 0; r < rows; r += 1) {
    const y = top + r * rowHeight;
    for (let c = 0; c < cols; c += 1) {
      context.fillStyle = divergingColour(values[r * cols + c], scale);
      context.fillRect(labelWidth + c * cellWidth, y, Math.ceil(cellWidth), rowHeight - (rowHeight > 8 ? 1 : 0));
    }
    if (rowHeight >= 12) {
      context.fillStyle = '#1d2330';
      context.textAlign = 'right';
      context.fillText(fitText(context, labels[r], labelWidth - 10), labelWidth - 8, y + rowHeight / 2);
    }
  }

  // Colour scale legend under the cells.
  const legendY = top + rows * rowHeight + 8;
  const legendWidth = Math.min(180, width - labelWidth - 80);
  for (let i = 0; i < legendWidth; i += 1) {
    context.fillStyle = divergingColour((i / (legendWidth - 1)) * 2 - 1, 1);
    context.fillRect(labelWidth + i, legendY, 1, 8);
  }
  context.fillStyle = '#6b7385';
  context.textAlign = 'right';
  context.fillText(`−${scale.toFixed(2)}`, labelWidth - 6, legendY + 4);
  context.fillText(`${cols} columns`, width - 4, legendY + 4);
  context.textAlign = 'left';
  context.fillText(`+${scale.toFixed(2)}`, labelWidth + legendWidth + 6, legendY + 4);
  return { labelWidth, rowHeight, top, cellWidth, rows, cols };
}

// Row and column under a mouse position, or null.
export function heatmapCell(geometry, x, y) {
  const column = Math.floor((x - geometry.labelWidth) / geometry.cellWidth);
  const row = Math.floor((y - geometry.top) / geometry.rowHeight);
  if (column < 0 || column >= geometry.cols || row < 0 || row >= geometry.rows) return null;
  return { row, column };
}

// One vector as a strip of cells.
export function drawStrip(canvas, values, scale) {
  const { context, width, height } = prepareCanvas(canvas, 14);
  const cellWidth = width / values.length;
  for (let c = 0; c < values.length; c += 1) {
    context.fillStyle = divergingColour(values[c], scale);
    context.fillRect(c * cellWidth, 0, Math.ceil(cellWidth), height);
  }
}

function fitText(context, text, maxWidth) {
  if (context.measureText(text).width <= maxWidth) return text;
  let cut = text;
  while (cut.length > 1 && context.measureText(`${cut}…`).width > maxWidth) cut = cut.slice(0, -1);
  return `${cut}…`;
}

// Draws labelled points. points: [{ x, y, label, kind: 'query' | 'neighbour', group, links? }], coordinates
// in any units; they are fitted into the canvas with a margin. Returns the points' pixel positions.
// With robust, the frame fits the 5th to 95th percentile of each axis and outliers are drawn on the border.
export function drawMap(canvas, points, { height, emptyText, robust = false } = {}) {
  const { context, width, height: canvasHeight } = prepareCanvas(canvas, height);
  context.clearRect(0, 0, width, canvasHeight);
  context.fillStyle = '#fcfcfd';
  context.fillRect(0, 0, width, canvasHeight);
  if (points.length === 0) {
    context.fillStyle = '#6b7385';
    context.font = FONT;
    context.textAlign = 'center';
    context.fillText(emptyText ?? 'Nothing to show yet', width / 2, canvasHeight / 2);
    return [];
  }

  const margin = 36;
  const [minX, maxX] = extent(points.map((point) => point.x), robust);
  const [minY, maxY] = extent(points.map((point) => point.y), robust);
  const spanX = Math.max(maxX - minX, 1e-9);
  const spanY = Math.max(maxY - minY, 1e-9);
  // One scale for both axes keeps distances true; a robust fit lets a few outliers sit on the border.
  const scale = Math.min((width - 2 * margin) / spanX, (canvasHeight - 2 * margin) / spanY);
  const offsetX = (width - spanX * scale) / 2;
  const offsetY = (canvasHeight - spanY * scale) / 2;
  const clamp = (value, low, high) => Math.min(Math.max(value, low), high);
  const placed = points.map((point) => ({
    ...point,
    px: clamp(offsetX + (point.x - minX) * scale, 6, width - 6),
    py: clamp(canvasHeight - (offsetY + (point.y - minY) * scale), 12, canvasHeight - 6),
  }));

  drawAxes(context, width, canvasHeight);

  // Links from each query to its neighbours, under the points.
  context.lineWidth = 1;
  for (const point of placed) {
    if (!point.links) continue;
    context.strokeStyle = groupColour(point.group, 0.25);
    for (const index of point.links) {
      context.beginPath();
      context.moveTo(point.px, point.py);
      context.lineTo(placed[index].px, placed[index].py);
      context.stroke();
    }
  }

  for (const point of placed) {
    const query = point.kind === 'query';
    context.beginPath();
    context.arc(point.px, point.py, query ? 6 : 3.5, 0, 2 * Math.PI);
    context.fillStyle = query ? groupColour(point.group, 1) : groupColour(point.group, 0.55);
    context.fill();
    if (query) {
      context.strokeStyle = '#1d2330';
      context.lineWidth = 1.5;
      context.stroke();
    }
  }

  drawLabels(context, placed, width, canvasHeight);
  return placed;
}

// Places labels greedily, queries first, at the first of a few spots around each point that overlaps no
// label drawn so far. A neighbour label with no free spot is left out (its tooltip still names it).
function drawLabels(context, placed, width, height) {
  const boxes = [];
  const overlaps = (box) => boxes.some((other) => box.x < other.x + other.w && other.x < box.x + box.w && box.y < other.y + other.h && other.y < box.y + box.h);
  const order = [...placed].sort((a, b) => (a.kind === 'query' ? 0 : 1) - (b.kind === 'query' ? 0 : 1));

  context.textBaseline = 'top';
  context.textAlign = 'left';
  for (const point of order) {
    const query = point.kind === 'query';
    context.font = query ? 'bold 13px system-ui, "DejaVu Sans", sans-serif' : FONT;
    const w = context.measureText(point.label).width;
    const h = query ? 15 : 13;
    const gap = query ? 8 : 5;
    const spots = [
      [point.px + gap, point.py - h], [point.px + gap, point.py], [point.px - gap - w, point.py - h],
      [point.px - gap - w, point.py], [point.px - w / 2, point.py - h - gap], [point.px - w / 2, point.py + gap],
    ].map(([x, y]) => ({ x, y, w, h }))
      .filter((box) => box.x >= 2 && box.x + box.w <= width - 2 && box.y >= 2 && box.y + box.h <= height - 2);
    const free = spots.find((box) => !overlaps(box));
    if (!free && !query) continue;
    const box = free ?? spots[0] ?? { x: point.px + gap, y: point.py - h, w, h };
    boxes.push(box);
    context.fillStyle = query ? '#1d2330' : '#4b5263';
    context.fillText(point.label, box.x, box.y);
  }
}

// [low, high] of values: the full range, or the 5th and 95th percentiles when robust.
function extent(values, robust) {
  const sorted = values.slice().sort((a, b) => a - b);
  if (!robust || sorted.length < 10) return [sorted[0], sorted[sorted.length - 1]];
  const at = (fraction) => sorted[Math.round(fraction * (sorted.length - 1))];
  return [at(0.05), at(0.95)];
}

function drawAxes(context, width, height) {
  context.strokeStyle = '#eceef2';
  context.lineWidth = 1;
  context.beginPath();
  context.moveTo(width / 2, 8);
  context.lineTo(width / 2, height - 8);
  context.moveTo(8, height / 2);
  context.lineTo(width - 8, height / 2);
  context.stroke();
  context.fillStyle = '#9aa1b1';
  context.font = '11px system-ui, "DejaVu Sans", sans-serif';
  context.textAlign = 'right';
  context.textBaseline = 'bottom';
  context.fillText('PC 1', width - 10, height / 2 - 3);
  context.textAlign = 'left';
  context.textBaseline = 'top';
  context.fillText('PC 2', width / 2 + 4, 8);
}

const GROUP_HUES = [16, 217, 142, 271, 45, 330, 189, 0];

export function groupColour(group, alpha) {
  const hue = GROUP_HUES[(group ?? 0) % GROUP_HUES.length];
  return `hsla(${hue}, 78%, 46%, ${alpha})`;
}

// The placed point within radius pixels of (x, y), nearest first, or null.
export function nearestPoint(placed, x, y, radius = 10) {
  let best = null;
  let bestDistance = radius * radius;
  for (const point of placed) {
    const distance = (point.px - x) ** 2 + (point.py - y) ** 2;
    if (distance <= bestDistance) {
      best = point;
      bestDistance = distance;
    }
  }
  return best;
}

// Draws a loss curve: values against step numbers.
export function drawLossChart(canvas, steps, losses) {
  const { context, width, height } = prepareCanvas(canvas, 280);
  context.clearRect(0, 0, width, height);
  context.fillStyle = '#fcfcfd';
  context.fillRect(0, 0, width, height);
  const left = 48;
  const bottom = height - 26;
  const top = 12;
  const right = width - 12;

  context.font = '11px system-ui, "DejaVu Sans", sans-serif';
  if (losses.length === 0) {
    context.fillStyle = '#6b7385';
    context.textAlign = 'center';
    context.fillText('Press Start to train', width / 2, height / 2);
    return;
  }

  const maxStep = Math.max(steps[steps.length - 1], 1);
  const maxLoss = Math.max(...losses) * 1.05;
  const minLoss = Math.min(0, ...losses);
  const x = (step) => left + ((right - left) * step) / maxStep;
  const y = (loss) => bottom - ((bottom - top) * (loss - minLoss)) / (maxLoss - minLoss || 1);

  // Grid and axis labels.
  context.strokeStyle = '#eceef2';
  context.fillStyle = '#6b7385';
  context.textAlign = 'right';
  context.textBaseline = 'middle';
  for (let i = 0; i <= 4; i += 1) {
    const value = minLoss + ((maxLoss - minLoss) * i) / 4;
    context.beginPath();
    context.moveTo(left, y(value));
    context.lineTo(right, y(value));
    context.stroke();
    context.fillText(value.toFixed(2), left - 6, y(value));
  }
  context.textAlign = 'center';
  context.textBaseline = 'top';
  context.fillText('0', left, bottom + 6);
  context.fillText(`step ${maxStep}`, right - 24, bottom + 6);

  // Each value is already the mean over the steps between two reports.
  context.lineWidth = 2;
  context.strokeStyle = '#1d4ed8';
  tracePath(context, steps, losses, x, y);
}

function tracePath(context, steps, values, x, y) {
  context.beginPath();
  values.forEach((value, i) => {
    if (i === 0) context.moveTo(x(steps[i]), y(value));
    else context.lineTo(x(steps[i]), y(value));
  });
  context.stroke();
}

// Shows a tooltip with the label and details of the point under the mouse. getPoints returns the
// positions that drawMap returned last.
export function attachTooltip(canvas, tooltip, getPoints) {
  canvas.addEventListener('mousemove', (event) => {
    const box = canvas.getBoundingClientRect();
    const x = event.clientX - box.left;
    const y = event.clientY - box.top;
    const point = nearestPoint(getPoints() ?? [], x, y);
    if (!point) {
      tooltip.hidden = true;
      return;
    }
    tooltip.hidden = false;
    tooltip.style.left = `${point.px}px`;
    tooltip.style.top = `${point.py}px`;
    tooltip.innerHTML = '';
    const title = document.createElement('strong');
    title.textContent = point.label;
    tooltip.append(title, document.createElement('br'), point.detail ?? '');
    tooltip.append(document.createElement('br'), `PC1 ${point.x.toFixed(2)}, PC2 ${point.y.toFixed(2)}`);
  });
  canvas.addEventListener('mouseleave', () => {
    tooltip.hidden = true;
  });
}
