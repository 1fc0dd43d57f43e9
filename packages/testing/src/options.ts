/**
 * Option checks. A misspelt option (`expiresIn`, `keepOld: 'no'`) would
 * otherwise mint a token other than the one the test means, and the test
 * would pass or fail for the wrong reason; so unknown names and values of the
 * wrong type throw a `TypeError` naming the option.
 */

const PREFIX = '@scopegate/testing';

/** Throws a `TypeError` prefixed with the package name. */
export function fail(message: string): never {
  throw new TypeError(`${PREFIX}: ${message}`);
}

/**
 * Checks that `options` is `undefined` or a plain object whose keys are all in `names`.
 * @param where - the call, e.g. `createTestIssuer()`.
 */
export function checkOptionNames(options: unknown, names: readonly string[], where: string): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    fail(`${where}: options must be an object`);
  const unknown = Object.keys(options).filter((name) => !names.includes(name));
  if (unknown.length > 0)
    fail(
      `${where}: unknown option ${unknown.map((name) => JSON.stringify(name)).join(', ')}; accepted: ${names.join(', ')}`,
    );
}

/** `value` when it is `undefined` or a non-empty string. */
export function optionalString(value: unknown, name: string): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0))
    fail(`\`${name}\` must be a non-empty string`);
  return value as string | undefined;
}

/** `value` when it is `undefined` or a finite number (above 0 when `positive`). */
export function optionalNumber(value: unknown, name: string, positive = false): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || (positive && value <= 0))
    fail(`\`${name}\` must be a ${positive ? 'positive' : 'finite'} number`);
  return value;
}

/** `value` when it is `undefined` or a boolean. */
export function optionalBoolean(value: unknown, name: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') fail(`\`${name}\` must be a boolean`);
  return value as boolean | undefined;
}

/** `value` when it is `undefined` or one of `allowed`. */
export function optionalOneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  name: string,
): T | undefined {
  if (value !== undefined && !(allowed as readonly unknown[]).includes(value))
    fail(`\`${name}\` must be one of ${allowed.join(', ')}`);
  return value as T | undefined;
}

/** `value` when it is `undefined`, a non-empty string or a non-empty array of them. */
export function optionalAudience(value: unknown, name: string): string | readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  if (list.length === 0 || list.some((entry) => typeof entry !== 'string' || entry.length === 0))
    fail(`\`${name}\` must be a non-empty string or a non-empty array of them`);
  return typeof value === 'string' ? value : Object.freeze([...(value as string[])]);
}

/** `value` when it is a non-empty string. */
export function requiredString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) fail(`${name} must be a non-empty string`);
  return value;
}
