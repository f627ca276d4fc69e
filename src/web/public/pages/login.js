import { useState } from 'preact/hooks';
import { login } from '../lib/api.js';
import { ErrorBox, Field, html } from '../lib/ui.js';

/** Access key id and secret in, a session token out (kept for this browser tab only). */
export function LoginPage() {
  const [id, setId] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      await login(id.trim(), secret);
    } catch (err) {
      setError(err);
    }
  };
  return html`
    <h1>Log in</h1>
    <form class="card" style="max-width: 420px" onSubmit=${submit}>
      <p class="muted small">Use an access key: the administrator's is in <code>admin-access-key.json</code> in the server's data folder after its first start.</p>
      <${Field} label="Access key id"><input name="accessKeyId" autocomplete="username" required value=${id} onInput=${(e) => setId(e.currentTarget.value)} /><//>
      <${Field} label="Access key secret"><input name="accessKeySecret" type="password" autocomplete="current-password" required value=${secret} onInput=${(e) => setSecret(e.currentTarget.value)} /><//>
      <${ErrorBox} error=${error} />
      <div class="row" style="margin-top:.8rem"><button class="primary" type="submit">Log in</button></div>
    </form>
  `;
}
