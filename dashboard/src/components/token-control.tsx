// "Forget token" in the header, shown while this browser keeps a dashboard token: removes it
// (from every tab of this address) and so brings back the sign-in view.

import { useEffect, useState } from 'preact/hooks';
import { currentToken, forgetToken, onTokenChange } from '../api/token';
import './auth.css';

export function TokenControl() {
  const [kept, setKept] = useState(() => currentToken() !== null);
  useEffect(() => onTokenChange(() => setKept(currentToken() !== null)), []);
  if (!kept) return null;
  return (
    <button type="button" class="forget-token" onClick={forgetToken} title="Remove the dashboard token this browser keeps for this collector">
      Forget token
    </button>
  );
}
