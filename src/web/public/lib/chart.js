// The throughput chart of a job: rows/s (left axis) and bytes/s (right axis) over time (UTC, as the
// rest of the console), drawn by uPlot.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { fmtBytes, fmtNum, html, utc } from './ui.js';

const HEIGHT = 200;
const compact = (n) => (n >= 1e9 ? `${+(n / 1e9).toFixed(1)}G` : n >= 1e6 ? `${+(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${+(n / 1e3).toFixed(1)}k` : `${+n.toFixed(1)}`);

/** The legend's value: the point under the cursor, else the latest one (never a bare dash while data is there). */
const legend = (format) => (u, v, si, idx) => {
  const value = idx == null ? u.data[si].at(-1) : v;
  return value == null ? '—' : format(value);
};

function options(width) {
  return {
    width,
    height: HEIGHT,
    scales: { rows: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] }, bytes: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
    series: [
      { label: 'UTC', value: legend(clock) },
      { label: 'rows/s', scale: 'rows', stroke: '#2459d6', fill: 'rgba(36, 89, 214, 0.12)', width: 2, value: legend((v) => fmtNum(Math.round(v))) },
      { label: 'bytes/s', scale: 'bytes', stroke: '#1a7f4b', width: 1.5, dash: [6, 3], value: legend((v) => `${fmtBytes(v)}/s`) },
    ],
    axes: [
      { stroke: '#667085', values: (_u, ticks) => ticks.map(clock), space: 70, incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400] },
      { scale: 'rows', stroke: '#2459d6', values: (_u, ticks) => ticks.map(compact), size: 55 },
      { scale: 'bytes', side: 1, stroke: '#1a7f4b', grid: { show: false }, values: (_u, ticks) => ticks.map((t) => fmtBytes(t)), size: 70 },
    ],
  };
}

/** HH:mm:ss of epoch seconds, UTC. */
const clock = (t) => new Date(t * 1000).toISOString().slice(11, 19);

const columns = (points) => [points.map((p) => utc(p.time).getTime() / 1000), points.map((p) => p.rowsPerSecond), points.map((p) => p.bytesPerSecond)];

/** `throughput` is GetMmsJobThroughput's answer; `moving`, whether the job may still move rows. */
export function ThroughputChart({ throughput, moving }) {
  const box = useRef(null);
  const plot = useRef(null);
  const points = throughput?.points ?? [];
  useEffect(() => {
    if (!points.length) return;
    if (!plot.current) plot.current = new uPlot(options(box.current.clientWidth), columns(points), box.current);
    else plot.current.setData(columns(points));
  }, [throughput]);
  useEffect(() => {
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: box.current.clientWidth, height: HEIGHT }));
    resize.observe(box.current);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);
  return html`
    <div class="card chart">
      <div class="chart-title">Throughput <span class="muted small">(${throughput ? `${throughput.bucketSeconds}s points` : 'loading'})</span></div>
      <div id="throughput-chart" ref=${box}></div>
      ${throughput && !points.length ? html`<div class="muted small">${moving ? 'Nothing moved yet.' : 'No rows moved in this run.'}</div>` : null}
    </div>
  `;
}
