// Shows the dashboard, or the sign-in view once the collector answers 401 (no token, a wrong
// one, or one that was rotated). A new or forgotten token starts the dashboard afresh: every
// page reads again and the live stream reconnects with it.

import { Fragment, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { onUnauthorized } from '../api/auth-state';
import { onTokenChange } from '../api/token';
import { SignIn } from './sign-in';

export function AuthGate({ children }: { children: ComponentChildren }) {
  const [signIn, setSignIn] = useState(false);
  const [session, setSession] = useState(0);
  useEffect(() => onUnauthorized(() => setSignIn(true)), []);
  useEffect(
    () =>
      onTokenChange(() => {
        setSignIn(false);
        setSession((n) => n + 1);
      }),
    [],
  );
  if (signIn) return <SignIn />;
  return <Fragment key={session}>{children}</Fragment>;
}
