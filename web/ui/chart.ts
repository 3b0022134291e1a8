// The Loss panel: a live uPlot chart of the smooth loss (and the validation loss, when the model has a
// validation split) by iteration, and the stats line above it (iteration, smooth loss, iterations and
// characters per second, threads, validation loss). Redraws at most CHART_FPS times a second.
import uPlot from 'uplot';
import type { TrainConfig } from '../../src/training/config.js';
import { el, fmt } from './dom.js';
import { probe } from './probe.js';

/** at most this many chart redraws per second */
const CHART_FPS = 5;
/** the chart keeps at most this many points (older ones are thinned by half when it overflows) */
const MAX_POINTS = 4000;
const HEIGHT = 220;

/** What the chart shows: the loss's unit (its axis) and whether there is a validation series. */
export interface ChartSpec {
  lossUnit: TrainConfig['lossUnit'];
  seqLength: number;
  validation: boolean;
}

/** The y axis names the loss: summed over a window of seq-length characters (the seed's), or per char. */
export function axisLabel(spec: ChartSpec): string {
  return spec.lossUnit === 'window' ? `loss per ${spec.seqLength}-char window` : 'loss (nats/char)';
}

const ui = {
  chart: el('chart'),
  iter: el('stat-iter'),
  loss: el('stat-loss'),
  its: el('stat-its'),
  cps: el('stat-cps'),
  threadsBox: el('stat-threads-box'),
  threads: el('stat-threads'),
  valBox: el('stat-val-box'),
  val: el('stat-val'),
  valBits: el('stat-val-bits'),
};

const xs: number[] = [];
const ys: number[] = [];
/** validation loss: a value at the evaluated iterations, null elsewhere (the line spans the gaps) */
const vs: (number | null)[] = [];
let spec: ChartSpec = { lossUnit: 'window', seqLength: 25, validation: false };
let chart: uPlot | undefined;
let chartKey = '';
let lastDraw = 0;
let drawTimer: ReturnType<typeof setTimeout> | undefined;

/** Sets what the chart shows (the model's, or the settings' before there is one); redraws when it changed. */
export function setChartSpec(next: ChartSpec): void {
  if (
    next.lossUnit === spec.lossUnit &&
    next.seqLength === spec.seqLength &&
    next.validation === spec.validation
  )
    return;
  spec = next;
  requestDraw();
}

function chartData(): uPlot.AlignedData {
  return spec.validation ? [xs, ys, vs] : [xs, ys];
}

function makeChart(label: string): uPlot {
  const series: uPlot.Series[] = [
    { label: 'iter' },
    { label: 'smooth loss', stroke: '#2563eb', width: 2, points: { show: false } },
  ];
  if (spec.validation) {
    series.push({
      label: 'validation loss',
      stroke: '#dc2626',
      width: 2,
      dash: [6, 4],
      spanGaps: true,
      points: { show: true, size: 5, fill: '#dc2626' },
    });
  }
  const opts: uPlot.Options = {
    width: Math.max(200, ui.chart.clientWidth),
    height: HEIGHT,
    scales: { x: { time: false } },
    axes: [{ label: 'iteration' }, { label, size: 50 }],
    series,
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
  };
  return new uPlot(opts, chartData(), ui.chart);
}

export function draw(): void {
  drawTimer = undefined;
  lastDraw = performance.now();
  // a new chart when its axis or its series change
  const label = axisLabel(spec);
  const key = `${label}|${spec.validation}`;
  if (chart && key !== chartKey) {
    chart.destroy();
    chart = undefined;
  }
  if (!chart) {
    chart = makeChart(label);
    chartKey = key;
    probe.axisLabel = label;
  }
  chart.setData(chartData());
  const running = probe.state === 'running';
  ui.iter.textContent = fmt.format(probe.iter);
  ui.loss.textContent = probe.lastLoss === null ? '–' : probe.lastLoss.toFixed(3);
  ui.its.textContent = running ? fmt.format(probe.itersPerSec) : '–';
  ui.cps.textContent = running ? fmt.format(probe.charsPerSec) : '–';
  ui.threadsBox.hidden = probe.threads === 0;
  ui.threads.textContent = String(probe.threads);
  ui.valBox.hidden = !spec.validation;
  ui.val.textContent = probe.lastVal === null ? '–' : probe.lastVal.toFixed(3);
  ui.valBits.textContent = probe.lastValBits === null ? '–' : probe.lastValBits.toFixed(3);
}

export function requestDraw(): void {
  if (drawTimer !== undefined) return;
  const wait = Math.max(0, 1000 / CHART_FPS - (performance.now() - lastDraw));
  drawTimer = setTimeout(draw, wait);
}

/** The iteration of the last point, if any. */
export function lastIter(): number | undefined {
  return xs.at(-1);
}

/** A point of the smooth loss, with the validation loss when `val` is given (one point per iteration). */
export function addPoint(iter: number, loss: number, val: number | null = null): void {
  if (xs.at(-1) === iter) {
    // the same iteration again (a progress report right after a validation point): update it
    ys[ys.length - 1] = loss;
    if (val !== null) vs[vs.length - 1] = val;
  } else {
    if (xs.length >= MAX_POINTS) thin();
    xs.push(iter);
    ys.push(loss);
    vs.push(val);
    probe.pointCount++;
  }
  probe.firstLoss ??= loss;
  probe.lastLoss = loss;
  probe.points.push([iter, loss]);
  if (probe.points.length > 20) probe.points.shift();
  requestDraw();
}

/** Thins the history by half, keeping the validation points and the last point. */
function thin(): void {
  let j = 0;
  for (let i = 0; i < xs.length; i++) {
    if (i % 2 === 0 || vs[i] !== null || i === xs.length - 1) {
      xs[j] = xs[i];
      ys[j] = ys[i];
      vs[j] = vs[i];
      j++;
    }
  }
  xs.length = ys.length = vs.length = j;
}

export function addValidation(iter: number, smoothLoss: number, valLoss: number, valBits: number): void {
  addPoint(iter, smoothLoss, valLoss);
  probe.valCount++;
  probe.firstVal ??= valLoss;
  probe.lastVal = valLoss;
  probe.lastValBits = valBits;
}

export function clearChart(): void {
  xs.length = 0;
  ys.length = 0;
  vs.length = 0;
  Object.assign(probe, {
    pointCount: 0,
    firstLoss: null,
    lastLoss: null,
    points: [],
    itersPerSec: 0,
    charsPerSec: 0,
    valCount: 0,
    firstVal: null,
    lastVal: null,
    lastValBits: null,
  });
  requestDraw();
}

new ResizeObserver(() => {
  chart?.setSize({ width: Math.max(200, ui.chart.clientWidth), height: HEIGHT });
}).observe(ui.chart);
