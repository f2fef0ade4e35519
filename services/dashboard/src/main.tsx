import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { ApiClient } from './api/client';
import { endpoints } from './api/endpoints';
import { App } from './app/App';
import { I18nProvider } from './i18n/i18n';
import './styles.css';

const client = new ApiClient();
const api = endpoints(client);
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');

createRoot(root).render(
  <StrictMode>
    <I18nProvider>
      <BrowserRouter>
        <App client={client} api={api} />
      </BrowserRouter>
    </I18nProvider>
  </StrictMode>,
);
