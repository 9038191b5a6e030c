import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ErrorBoundary } from './components/ErrorBoundary';
import { requestEarly } from './early-requests';
import './styles/tokens.css';
import './styles/app.css';

requestEarly(['fleet.list', 'fleet.health']);
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <ErrorBoundary where="Edgeward">
      <App />
    </ErrorBoundary>
  </StrictMode>,
);
