// Metadata scans started from the console (the data source list, an unscanned catalog), followed until they end.
import { useState } from 'preact/hooks';
import { api } from './api.js';
import { ended, html } from './ui.js';

/** A metadata scan started from the list, followed until it ends. */
export function useScans(onDone) {
  const [scans, setScans] = useState({});
  const set = (id, s) => setScans((all) => ({ ...all, [id]: s }));
  const start = async (sourceId) => {
    try {
      const { scanId } = await api('POST', `/datasources/${sourceId}/scans`, {});
      set(sourceId, { status: 'INIT', progress: 0 });
      for (;;) {
        const scan = await api('GET', `/datasources/${sourceId}/scans/${scanId}`);
        set(sourceId, scan);
        if (ended(scan.status)) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      onDone();
    } catch (error) {
      set(sourceId, { status: 'FAILED', errMsg: error.message });
    }
  };
  return [scans, start];
}

/** A scan started here that has not ended yet: its button waits. */
export const scanning = (scan) => Boolean(scan) && !ended(scan.status);

export function ScanState({ scan }) {
  if (!scan) return null;
  if (scan.status === 'FAILED') return html`<div class="error small">Scan failed: ${scan.errMsg}</div>`;
  if (scan.status === 'DONE') {
    const r = scan.summary;
    return html`<span class="small ok">Scan done: ${r.tables} tables, ${r.partitions} partitions (${r.added} added, ${r.updated} updated, ${r.dropped} dropped)</span>`;
  }
  return html`<span class="small muted">Scanning… ${Math.floor(scan.progress / 100)}%</span>`;
}

