import { render } from 'preact';
import { App } from './app';
import { initToken } from './api/token';
import { installVisibleBidi } from './components/visible-bidi';
import './styles.css';

initToken();
installVisibleBidi(); // before the first render: app text shows its bidi controls
const root = document.getElementById('app');
if (root) render(<App />, root);
