/** One route a service's Express app answers: `GET /api/chats/:id`. */
export interface RouteSpec {
  method: string;
  path: string;
}

interface LayerLike {
  rawPath?: unknown;
  route?: { path: unknown; methods?: Record<string, boolean>; stack?: LayerLike[] };
  handle?: { stack?: LayerLike[] };
  method?: string;
}

const IGNORED_METHODS = new Set(['_all', 'head', 'options']);

/**
 * Every route of an Express 5 app, found by walking its router stack (routes and mounted routers, with
 * their mount paths), so the fuzz suite covers routes nobody remembered to list.
 */
export function listRoutes(app: object): RouteSpec[] {
  const root = (app as unknown as { router: { stack: LayerLike[] } }).router;
  const found: RouteSpec[] = [];
  walk(root.stack, '', found);
  const unique = new Map(found.map((r) => [`${r.method} ${r.path}`, r]));
  return [...unique.values()].sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

function walk(stack: readonly LayerLike[], prefix: string, out: RouteSpec[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      const methods = Object.keys(layer.route.methods ?? {}).filter((m) => !IGNORED_METHODS.has(m));
      for (const path of paths) {
        if (typeof path !== 'string') continue;
        for (const method of methods) out.push({ method: method.toUpperCase(), path: join(prefix, path) });
      }
      continue;
    }
    const inner = layer.handle?.stack;
    if (inner && Array.isArray(inner)) {
      const mount = typeof layer.rawPath === 'string' ? layer.rawPath : '';
      walk(inner, join(prefix, mount), out);
    }
  }
}

function join(prefix: string, path: string): string {
  if (path === '/' || path === '') return prefix === '' ? '/' : prefix;
  return `${prefix}${path}`.replace(/\/{2,}/g, '/');
}
