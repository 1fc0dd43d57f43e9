/**
 * Refusing option names the store does not know, so a typo such as
 * `timeoutMS` or `onErorr` fails at setup instead of being ignored. Messages
 * name keys only, never values. Same rules and wording as the copy in
 * @scopegate/client (which depends on no other package).
 */

const MAX_LISTED = 5;
const MAX_KEY_LENGTH = 64;

/** The key as shown in a message: control characters escaped, long keys cut. */
function show(key: string): string {
  const escaped = JSON.stringify(key).slice(1, -1);
  return escaped.length > MAX_KEY_LENGTH ? `${escaped.slice(0, MAX_KEY_LENGTH)}…` : escaped;
}

/** Levenshtein distance, giving up (returning `limit + 1`) once it exceeds `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const d = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      current.push(d);
      best = Math.min(best, d);
    }
    if (best > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The known key closest to `key`, compared case-insensitively: at most two
 * edits apart, and not so short that two edits make anything look alike.
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = distance(lower, candidate.toLowerCase(), 2);
    if (d < bestDistance && d * 3 <= Math.max(key.length, candidate.length)) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Describes the own enumerable string keys of `options` that are not in
 * `known` (whatever their value, `undefined` included), or returns
 * `undefined` when there are none. `where` names the object, e.g.
 * `createRedisStore options`.
 *
 * One key: "unknown option `timeoutMS` in createRedisStore options; did you mean `timeoutMs`?".
 * Several: "unknown options `a` (did you mean `b`?), `c` in …".
 */
export function unknownOptionsMessage(
  options: object,
  known: readonly string[],
  where: string,
): string | undefined {
  const unknown = Object.keys(options).filter((key) => !known.includes(key));
  if (unknown.length === 0) return undefined;
  const [first] = unknown;
  if (unknown.length === 1 && first !== undefined) {
    const suggestion = closestKey(first, known);
    return `unknown option \`${show(first)}\` in ${where}${suggestion ? `; did you mean \`${suggestion}\`?` : ''}`;
  }
  const listed = unknown.slice(0, MAX_LISTED).map((key) => {
    const suggestion = closestKey(key, known);
    return `\`${show(key)}\`${suggestion ? ` (did you mean \`${suggestion}\`?)` : ''}`;
  });
  const more = unknown.length > MAX_LISTED ? ` and ${unknown.length - MAX_LISTED} more` : '';
  return `unknown options ${listed.join(', ')}${more} in ${where}`;
}
