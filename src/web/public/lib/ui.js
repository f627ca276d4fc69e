// Shared view helpers: the html tag, formatting and the small components every page uses.
import { cloneElement, h } from 'preact';
import { useId } from 'preact/hooks';
import htm from 'htm';
import prettyBytes from 'pretty-bytes';
import prettyMs from 'pretty-ms';

export const html = htm.bind(h);

/** The API's times are UTC 'yyyy-MM-dd HH:mm:ss'. */
export const utc = (s) => (s ? new Date(`${s.replace(' ', 'T')}Z`) : null);
export const fmtTime = (s) => (s ? `${s} UTC` : '—');
export const fmtNum = (n) => (n ?? 0).toLocaleString('en-US');

export const fmtBytes = (n) => prettyBytes(n ?? 0, { binary: true, maximumFractionDigits: 1 });
export const fmtDuration = (ms) => (ms == null ? '—' : prettyMs(ms, { secondsDecimalDigits: 0, unitCount: 2 }));

/** How a status stands, whatever its phase: a task's DATA_DOING is DOING, its VERIFICATION_FAILED FAILED. */
export const standing = (status) => status?.replace(/^(SCHEMA|DATA|VERIFICATION)_/, '');
/** A task that will not move again by itself. */
export const ended = (status) => ['DONE', 'FAILED'].includes(standing(status));

/**
 * One status word, the API's: a job or task on hold shows STOPPED (its status, DOING or INIT, in the
 * tooltip); one that ended shows how (DONE, FAILED), stopped or not.
 */
export const Status = ({ status, stopped }) => {
  const held = stopped && !ended(status);
  return html`<span class="badge ${held ? 'STOPPED' : standing(status)}" title=${held ? `${status}, stopped` : undefined}>${held ? 'STOPPED' : status}</span>`;
};

export const Bar = ({ done, total, status }) => html`
  <div class="bar ${standing(status)}" title="${done} of ${total}"><div style="width: ${total ? Math.round((100 * done) / total) : 0}%"></div></div>
`;

export const ErrorBox = ({ error }) => (error ? html`<div class="error" role="alert">${error.code ? `${error.code}: ` : ''}${error.message}</div>` : null);

/** A labelled control; the label names the control alone (a wrapping label would take in a select's options). */
export function Field({ label, children }) {
  const id = useId();
  return html`<div class="field"><label for=${id}>${label}</label>${cloneElement(children, { id })}</div>`;
}

export const Check = ({ label, checked, onChange }) => html`
  <label class="check"><input type="checkbox" checked=${checked} onChange=${(e) => onChange(e.currentTarget.checked)} />${label}</label>
`;

export function Pager({ pageNum, pageSize, total, onPage }) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return html`
    <div class="pager small">
      <button disabled=${pageNum <= 1} onClick=${() => onPage(pageNum - 1)}>‹ Prev</button>
      <span>page ${pageNum} of ${pages} · ${fmtNum(total)} in all</span>
      <button disabled=${pageNum >= pages} onClick=${() => onPage(pageNum + 1)}>Next ›</button>
    </div>
  `;
}

/** The tabs of one data source's pages. */
export const SourceTabs = ({ sourceId, active }) => html`
  <nav class="tabs">
    ${[['catalog', 'Catalog'], ['jobs', 'Jobs'], ['timers', 'Timers']].map(
      ([key, label]) => html`<a class=${active === key ? 'active' : ''} href="#/sources/${sourceId}/${key}">${label}</a>`,
    )}
  </nav>
`;
