import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Router } from 'express';

/**
 * Serves the dashboard build with an SPA fallback: any GET that is not an API path and accepts HTML gets
 * index.html, so client-side routes survive a reload. Hashed assets are cached for a year, index.html
 * never. Without a build, a small page says so (checked per navigation, so a later build is picked up).
 */
export function dashboardRouter(dashboardDir: string): Router {
  const router = express.Router();
  const indexFile = join(dashboardDir, 'index.html');

  router.use(
    express.static(dashboardDir, {
      index: false,
      fallthrough: true,
      setHeaders: (res, path) => {
        res.setHeader(
          'Cache-Control',
          path.includes(join(dashboardDir, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    }),
  );

  router.get(/.*/, (req, res, next) => {
    if (!req.accepts('html')) {
      next();
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    if (existsSync(indexFile)) {
      res.sendFile(indexFile);
      return;
    }
    res.status(200).type('html').send(NOT_BUILT_PAGE);
  });
  return router;
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Arasul</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}code{background:#eee;padding:0 .25rem}</style>
</head>
<body>
<h1>Arasul</h1>
<p>The gateway is running, but the dashboard is not built yet.</p>
<p>Build it with <code>pnpm --filter @arasul/dashboard build</code> (or <code>scripts/arasul build</code>) and reload this page.</p>
<p>Platform status: <a href="/api/health">/api/health</a></p>
</body>
</html>
`;
