// The dashboard's built files (dashboard/dist) with a single-page-app fallback, or, before the
// dashboard is built, a plain page saying the collector and its API are up.
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type Request, type Response } from 'express';

/** dashboard/dist when it holds a build, else null. */
export function findDashboardDist(): string | null {
  const candidates: string[] = [];
  try {
    candidates.push(path.join(path.dirname(require.resolve('@headroom/dashboard/package.json')), 'dist'));
  } catch {
    // Not installed as a package (a copied collector, say): try the repository layout.
  }
  // collector/{src,dist}/web → repository root.
  candidates.push(path.resolve(__dirname, '..', '..', '..', 'dashboard', 'dist'));
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? null;
}

const PLACEHOLDER = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Headroom collector</title></head>
<body>
<h1>Headroom collector is running</h1>
<p>The dashboard is not built yet (<code>npm run build</code> builds it). The query API is up:
try <a href="/api/services">/api/services</a>. Every endpoint is described in
<code>docs/api.md</code>; the collector's own health is at <a href="/healthz">/healthz</a>
and <a href="/metrics">/metrics</a>.</p>
</body>
</html>
`;

function isApiOrStream(req: Request): boolean {
  return req.path.startsWith('/api/') || req.path === '/api' || req.path === '/ws';
}

export function dashboardRouter(distDir: string | null): Router {
  const router = Router();
  if (distDir === null) {
    router.get('/', (_req, res: Response) => {
      res.type('html').send(PLACEHOLDER);
    });
    return router;
  }
  router.use(
    express.static(distDir, {
      index: false,
      setHeaders(res, file) {
        // Vite's hashed asset names change with every build, so they may be cached for good;
        // everything else is revalidated.
        const hashed = file.includes(`${path.sep}assets${path.sep}`);
        res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  const index = path.join(distDir, 'index.html');
  router.get('/{*path}', (req: Request, res: Response, next) => {
    if (isApiOrStream(req)) {
      next();
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
