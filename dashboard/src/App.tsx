import { Route, Routes } from 'react-router-dom';
import { LoginPage } from './auth/LoginPage.js';
import { RequireAuth } from './auth/RequireAuth.js';
import { EmptyState } from './components/States.js';
import { Layout } from './components/Layout.js';
import { AlertsPage } from './features/alerts/AlertsPage.js';
import { CustomerPage } from './features/customers/CustomerPage.js';
import { CustomersPage } from './features/customers/CustomersPage.js';
import { EndpointPage } from './features/endpoints/EndpointPage.js';
import { EndpointsPage } from './features/endpoints/EndpointsPage.js';
import { KeysPage } from './features/keys/KeysPage.js';
import { OverviewPage } from './features/overview/OverviewPage.js';
import { RequestLogPage } from './features/requests/RequestLogPage.js';
import { RequestPage } from './features/requests/RequestPage.js';

/** Every view is a URL; filters and the time window live in its query string. */
export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireAuth>
            <Layout />
          </RequireAuth>
        }
      >
        <Route index element={<OverviewPage />} />
        <Route path="endpoints" element={<EndpointsPage />} />
        <Route path="endpoints/view" element={<EndpointPage />} />
        <Route path="customers" element={<CustomersPage />} />
        <Route path="customers/:customerId" element={<CustomerPage />} />
        <Route path="requests" element={<RequestLogPage />} />
        <Route path="requests/:requestId" element={<RequestPage />} />
        <Route path="keys" element={<KeysPage />} />
        <Route path="alerts" element={<AlertsPage />} />
        <Route path="*" element={<EmptyState title="No such page." />} />
      </Route>
    </Routes>
  );
}
