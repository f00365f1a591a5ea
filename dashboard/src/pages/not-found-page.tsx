// A path that names no page: said so, with the way back, rather than the overview as if the
// address were right (the collector answers every path with the app).

import { Link } from '../components/link';
import { useNavigation } from '../state/use-view';
import { defaultView } from '../state/view-state';

export function NotFoundPage() {
  const { view } = useNavigation();
  const home = { ...defaultView(), range: view.range };
  return (
    <section class="page not-found-page" data-testid="not-found">
      <h1>Not found</h1>
      <p>
        No page of this dashboard lives at <code>{window.location.pathname}</code>.
      </p>
      <p>
        <Link to={home}>← Services</Link> · <Link to={{ ...home, page: 'alerts' }}>Alerts</Link>
      </p>
    </section>
  );
}
