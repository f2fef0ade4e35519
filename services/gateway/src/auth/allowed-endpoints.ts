/**
 * An API key's `allowed_endpoints` patterns: a path, where `*` matches any run of characters (slashes too).
 * `/api/llm/*` also matches `/api/llm` itself. Anchored at both ends; the query string is never part of it.
 * `null` or an empty list means "no restriction" (scopes still apply in each service).
 */
export type EndpointMatcher = (path: string) => boolean;

export function compileAllowedEndpoints(patterns: string[] | null): EndpointMatcher | null {
  if (patterns === null || patterns.length === 0) return null;
  const regexes = patterns.map((pattern) => {
    const bare = pattern.endsWith('/*') ? pattern.slice(0, -2) : null;
    const body = pattern.split('*').map(escapeRegex).join('.*');
    return new RegExp(bare === null ? `^${body}$` : `^(?:${escapeRegex(bare)}|${body})$`);
  });
  return (path) => regexes.some((regex) => regex.test(path));
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
