// The sign-in view, shown in place of the dashboard when the collector answers 401: a password
// field for the dashboard token, what that token is, and why a token was refused. The token is
// checked against the collector before it is kept.

import { useEffect, useRef, useState } from 'preact/hooks';
import { checkToken } from '../api/auth-state';
import { currentToken, forgetToken, storeToken } from '../api/token';
import './auth.css';

export function SignIn() {
  const input = useRef<HTMLInputElement>(null);
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // A kept token the collector now refuses: it was changed (or this is another collector).
  const kept = currentToken() !== null;

  useEffect(() => {
    input.current?.focus();
  }, []);

  async function submit(e: Event): Promise<void> {
    e.preventDefault();
    const token = value.trim();
    if (token === '') {
      setError('Enter the token first.');
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    const answer = await checkToken(token);
    setBusy(false);
    if (answer === 'accepted') {
      storeToken(token); // the gate shows the dashboard again
      return;
    }
    setError(answer === 'refused' ? 'Wrong token: the collector refused it. Check it against the one the collector was started with.' : 'Cannot reach the collector: is it running?');
    input.current?.select();
  }

  return (
    <main class="sign-in" data-testid="sign-in">
      <form class="sign-in-card" onSubmit={(e) => void submit(e)} aria-describedby="sign-in-what">
        <h1>Sign in to this Headroom collector</h1>
        <p id="sign-in-what">
          This collector was started with a dashboard token (<code>--dashboard-token</code> or{' '}
          <code>HEADROOM_DASHBOARD_TOKEN</code>): its data is shown only to those who have it. Ask whoever runs the collector
          for it.
        </p>
        {kept && error === null && (
          <p class="sign-in-note" role="status">
            The token this browser kept was refused: the collector's token has changed. Enter the current one.
          </p>
        )}
        <label for="sign-in-token">Dashboard token</label>
        <input
          ref={input}
          id="sign-in-token"
          name="token"
          type="password"
          autocomplete="current-password"
          spellcheck={false}
          value={value}
          aria-invalid={error !== null}
          aria-describedby={error !== null ? 'sign-in-error' : undefined}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
        <p id="sign-in-error" class="sign-in-error" role="alert" data-testid="sign-in-error">{error ?? ''}</p>
        <div class="sign-in-actions">
          <button type="submit" class="sign-in-submit" disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
          {kept && <button type="button" onClick={forgetToken}>Forget token</button>}
        </div>
        <p class="muted">
          The token is kept in this browser for this address only (its own scheme, host and port; other ports never see it),
          sent only to this collector, until you press <em>Forget token</em>.
        </p>
      </form>
    </main>
  );
}
