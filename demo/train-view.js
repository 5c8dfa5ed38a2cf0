// The training panel: starts the training worker and shows its progress, loss curve, throughput and map.

import { attachTooltip, drawLossChart, drawMap, groupColour } from './plots.js';

export function createTrainView() {
  const elements = Object.fromEntries([
    'train-start', 'train-stop', 'train-reset', 'train-steps', 'train-dims', 'train-progress', 'train-status',
    'loss-chart', 'train-loss', 'train-throughput', 'train-step', 'train-map', 'train-map-tooltip',
    'train-neighbours', 'train-legend',
  ].map((id) => [id, document.getElementById(id)]));

  // History read by the browser test: every progress message's step and loss, and the loss of the first
  // step since the history was cleared.
  const state = {
    ready: false, running: false, steps: [], losses: [], firstStepLoss: null, info: null, mapPoints: [], error: null,
  };
  const worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });

  function setRunning(running) {
    state.running = running;
    elements['train-start'].disabled = running || !state.ready;
    elements['train-stop'].disabled = !running;
    elements['train-dims'].disabled = running;
  }

  function drawEmptyMap() {
    state.mapPoints = drawMap(elements['train-map'], [], { height: 280, emptyText: 'The map of trained vectors appears during training' });
  }

  function clearHistory() {
    state.steps = [];
    state.losses = [];
    state.firstStepLoss = null;
    elements['train-progress'].value = 0;
    elements['train-loss'].textContent = '–';
    elements['train-throughput'].textContent = '–';
    elements['train-step'].textContent = '0';
    elements['train-neighbours'].textContent = '';
    drawLossChart(elements['loss-chart'], [], []);
    drawEmptyMap();
  }

  function showLegend(groups) {
    state.groups = groups;
    elements['train-legend'].replaceChildren(...groups.map((name, group) => {
      const item = document.createElement('span');
      const dot = document.createElement('i');
      dot.style.background = groupColour(group, 1);
      item.append(dot, name);
      return item;
    }));
  }

  function showProgress(message) {
    state.steps.push(message.step);
    state.losses.push(message.loss);
    state.firstStepLoss ??= message.firstStepLoss;
    elements['train-progress'].max = message.steps;
    elements['train-progress'].value = message.step;
    elements['train-loss'].textContent = message.loss.toFixed(3);
    elements['train-throughput'].textContent = Math.round(message.tokensPerSecond).toLocaleString('en-US');
    elements['train-step'].textContent = `${message.step} / ${message.steps}`;
    drawLossChart(elements['loss-chart'], state.steps, state.losses);
    if (message.points) {
      const points = message.points.map((point) => ({ ...point, kind: 'neighbour', detail: state.groups[point.group] }));
      state.mapPoints = drawMap(elements['train-map'], points, { height: 280, robust: true });
      elements['train-neighbours'].textContent = message.neighbours
        .map(({ word, nearest }) => `${word} → ${nearest.join(', ')}`)
        .join('   ·   ');
    }
  }

  worker.onmessage = ({ data: message }) => {
    if (message.type === 'ready') {
      state.ready = true;
      state.info = message;
      elements['train-status'].textContent =
        `ready: ${message.tokens.toLocaleString('en-US')} tokens, ${message.vocabulary.toLocaleString('en-US')}-word vocabulary, worker backend ${message.backend} × ${message.threads}`;
      showLegend(message.groups);
      setRunning(false);
    } else if (message.type === 'progress') {
      elements['train-status'].textContent = 'training…';
      showProgress(message);
    } else if (message.type === 'done' || message.type === 'stopped') {
      elements['train-status'].textContent = message.type === 'done' ? `finished at step ${message.step}` : `stopped at step ${message.step}`;
      setRunning(false);
    } else if (message.type === 'reset') {
      clearHistory();
      elements['train-status'].textContent = 'reset: the next start begins from new random vectors';
      setRunning(false);
    } else if (message.type === 'error') {
      state.error = message.message;
      elements['train-status'].textContent = `error: ${message.message}`;
      setRunning(false);
    }
  };
  worker.onerror = (event) => {
    state.error = event.message;
    elements['train-status'].textContent = `the training worker failed: ${event.message}`;
  };

  elements['train-start'].addEventListener('click', () => {
    const steps = Number(elements['train-steps'].value) || 3000;
    const dims = Number(elements['train-dims'].value) || 64;
    setRunning(true);
    elements['train-status'].textContent = 'starting…';
    worker.postMessage({ type: 'start', steps, dims });
  });
  elements['train-stop'].addEventListener('click', () => worker.postMessage({ type: 'stop' }));
  elements['train-reset'].addEventListener('click', () => worker.postMessage({ type: 'reset' }));
  attachTooltip(elements['train-map'], elements['train-map-tooltip'], () => state.mapPoints);

  elements['train-status'].textContent = 'loading Moby-Dick in the worker…';
  setRunning(false);
  clearHistory();
  return state;
}
