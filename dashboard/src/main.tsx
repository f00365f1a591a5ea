import { render } from 'preact';
import { App } from './app';
import { initToken } from './api/token';
import './styles.css';

initToken();
const root = document.getElementById('app');
if (root) render(<App />, root);
