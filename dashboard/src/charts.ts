/**
 * Live frame-rate charts, one per port (uPlot: a small canvas time-series chart, about 50 KB,
 * with no dependencies, that redraws thousands of points in a millisecond or two; charts
 * that large libraries draw as SVG or animate would cost a wall screen far more).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fill, formatRate, h } from './dom.ts';
import type { NodeState } from './host.ts';

interface PortChart {
  box: HTMLElement;
  plot: HTMLElement;
  readout: HTMLElement;
  u: uPlot | undefined;
  drawn: number;
}

const HEIGHT = 140;

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

export class PortCharts {
  readonly el = h('div', { class: 'charts' });
  private readonly charts = new Map<string, PortChart>();
  private readonly resize = new ResizeObserver(() => this.fit());

  constructor(private readonly periodHint: string) {}

  /** Shows the ports' rates; `ports` in front-panel order. */
  update(node: NodeState, ports: readonly string[]): void {
    for (const name of ports) {
      let c = this.charts.get(name);
      if (!c) {
        c = this.create(name);
        this.charts.set(name, c);
        this.el.appendChild(c.box);
      }
      const s = node.rates.ports.get(name);
      const last = node.rates.latest(name);
      c.readout.dataset.rx = last?.rx === null || last?.rx === undefined ? '' : String(Math.round(last.rx));
      c.readout.dataset.tx = last?.tx === null || last?.tx === undefined ? '' : String(Math.round(last.tx));
      c.box.dataset.points = String(s?.t.length ?? 0);
      if (!s || !s.t.length) {
        fill(c.readout, `waiting for two counter readings (${this.periodHint})`);
        continue;
      }
      fill(c.readout, h('span', { class: 'rx' }, `rx ${formatRate(last?.rx)}`), ' · ', h('span', { class: 'tx' }, `tx ${formatRate(last?.tx)}`));
      if (c.drawn === node.rates.version) continue;
      c.drawn = node.rates.version;
      const data: uPlot.AlignedData = [s.t.slice(), s.rx.slice(), s.tx.slice()];
      if (!c.u) c.u = this.plot(c.plot, data);
      else c.u.setData(data);
    }
  }

  private create(name: string): PortChart {
    const plot = h('div', { class: 'plot' });
    const readout = h('p', { class: 'rate' });
    const box = h('figure', { class: 'chart', 'data-port': name }, h('figcaption', {}, `${name} frames/s`), plot, readout);
    this.resize.observe(box);
    return { box, plot, readout, u: undefined, drawn: -1 };
  }

  private plot(where: HTMLElement, data: uPlot.AlignedData): uPlot {
    const ink = cssVar('--muted');
    const grid = cssVar('--line');
    const axis = { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    return new uPlot(
      {
        width: Math.max(200, where.clientWidth),
        height: HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] } },
        axes: [axis, { ...axis, size: 56 }],
        series: [{}, { label: 'rx', stroke: cssVar('--rx'), width: 2, spanGaps: true }, { label: 'tx', stroke: cssVar('--tx'), width: 2, spanGaps: true }],
      },
      data,
      where,
    );
  }

  private fit(): void {
    for (const c of this.charts.values()) if (c.u && c.plot.clientWidth > 0) c.u.setSize({ width: c.plot.clientWidth, height: HEIGHT });
  }

  destroy(): void {
    this.resize.disconnect();
    for (const c of this.charts.values()) c.u?.destroy();
    this.charts.clear();
  }
}
