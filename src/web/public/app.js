// The OpenMMS web console: a single page over the public API, routed by the URL's hash.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { session } from './lib/api.js';
import { LoginPage } from './pages/login.js';
import { html } from './lib/ui.js';
import { useRoute } from './lib/hooks.js';
import { SourcesPage } from './pages/sources.js';
import { SourceForm } from './pages/source-form.js';
import { CatalogPage } from './pages/catalog.js';
import { JobsPage } from './pages/jobs.js';
import { JobForm } from './pages/job-form.js';
import { JobDetail } from './pages/job-detail.js';
import { TimersPage } from './pages/timers.js';

function page({ parts, params }) {
  const [root, id, section, sub] = parts;
  if (root !== 'sources' || id === undefined) return html`<${SourcesPage} />`;
  if (id === 'new') return html`<${SourceForm} />`;
  const sourceId = Number(id);
  if (section === 'catalog') return html`<${CatalogPage} sourceId=${sourceId} params=${params} />`;
  if (section === 'timers') return html`<${TimersPage} sourceId=${sourceId} />`;
  if (section === 'jobs' && sub === 'new') return html`<${JobForm} sourceId=${sourceId} params=${params} />`;
  if (section === 'jobs' && sub) return html`<${JobDetail} sourceId=${sourceId} jobId=${Number(sub)} />`;
  return html`<${JobsPage} sourceId=${sourceId} />`;
}

/** Whether this tab has a session, following logins, logouts and expiries. */
function useSession() {
  const [token, setToken] = useState(session.token);
  // A server started with authentication off answers without a token: no login page then.
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const on = () => setToken(session.token);
    addEventListener('openmms-session', on);
    fetch('/api/v1/mms/datasources?pageSize=1').then((r) => setOpen(r.ok), () => {});
    return () => removeEventListener('openmms-session', on);
  }, []);
  return token ?? (open ? 'none' : null);
}

function App() {
  const route = useRoute();
  const token = useSession();
  return html`
    <a class="skip" href="#main" onClick=${(e) => (e.preventDefault(), document.getElementById('main').focus())}>Skip to content</a>
    <header>
      <a class="brand" href="#/sources">OpenMMS</a>
      <a href="#/sources">Data sources</a>
      <a href="/docs" target="_blank">API docs</a>
      <a href="/metrics" target="_blank">Metrics</a>
      ${session.token ? html`<a href="#/sources" style="margin-left:auto" onClick=${() => (session.token = null)}>Log out</a>` : null}
    </header>
    <main id="main" tabindex="-1">${token ? page(route) : html`<${LoginPage} />`}</main>
  `;
}

// A table wider than the screen scrolls in its own box; the keyboard must reach it too (a tab stop
// while it scrolls, none otherwise).
const markScrollable = () => {
  for (const t of document.querySelectorAll('table')) t.tabIndex = t.scrollWidth > t.clientWidth ? 0 : -1;
};
new MutationObserver(markScrollable).observe(document.getElementById('app'), { childList: true, subtree: true });
addEventListener('resize', markScrollable);

render(html`<${App} />`, document.getElementById('app'));
