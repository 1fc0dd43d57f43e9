/**
 * Minimal `WWW-Authenticate` parser (RFC 9110 §11.6.1), enough to read the
 * `error` parameter of a Bearer challenge (RFC 6750 §3) without being fooled
 * by text inside quoted strings such as an `error_description`.
 */

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Splits on commas that are outside quoted strings. */
function splitOutsideQuotes(header: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const ch = header[i] as string;
    if (quoted && ch === '\\' && i + 1 < header.length) {
      current += ch + header[++i];
    } else if (ch === '"') {
      quoted = !quoted;
      current += ch;
    } else if (ch === ',' && !quoted) {
      parts.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current.trim());
  return parts.filter((p) => p.length > 0);
}

function unquote(value: string): string {
  const v = value.trim();
  return v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
}

/** One challenge: its scheme (lower-cased) and auth-params (names lower-cased). */
export interface Challenge {
  scheme: string;
  params: Map<string, string>;
}

/** Parses a `WWW-Authenticate` value into its challenges. Malformed parts are skipped. */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let current: Challenge | undefined;
  const addParam = (text: string) => {
    const eq = text.indexOf('=');
    if (eq <= 0 || !current) return;
    const name = text.slice(0, eq).trim();
    if (TOKEN.test(name)) current.params.set(name.toLowerCase(), unquote(text.slice(eq + 1)));
  };
  for (const part of splitOutsideQuotes(header)) {
    const space = part.search(/\s/);
    const first = space === -1 ? part : part.slice(0, space);
    const rest = space === -1 ? '' : part.slice(space + 1).trimStart();
    // "name = value" (whitespace around "=" is allowed) is a parameter, not a new scheme.
    if (TOKEN.test(first) && !rest.startsWith('=')) {
      // "Scheme" or "Scheme param=value" or "Scheme token68" starts a new challenge.
      current = { scheme: first.toLowerCase(), params: new Map() };
      challenges.push(current);
      if (rest) addParam(rest);
    } else {
      addParam(part);
    }
  }
  return challenges;
}

/** The `error` parameter of the first Bearer challenge in `header`, if any. */
export function bearerError(header: string | null): string | undefined {
  if (!header) return undefined;
  return parseChallenges(header)
    .find((c) => c.scheme === 'bearer')
    ?.params.get('error');
}
