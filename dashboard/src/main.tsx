import { render } from 'preact';
import { App } from './app';
import { initToken } from './api/token';
import { AuthGate } from './components/auth-gate';
import { installVisibleBidi } from './components/visible-bidi';
import './styles.css';

initToken();
installVisibleBidi(); // before the first render: app text shows its bidi controls
const root = document.getElementById('app');
if (root) {
  render(
    <AuthGate>
      <App />
    </AuthGate>,
    root,
  );
}
