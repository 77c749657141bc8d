/**
 * Identifier patterns and search wildcards.
 *
 * Patterns are JavaScript regular expressions matched against the whole value (`^(?:p)$`), so
 * `\d+` means "digits only" as a user expects, not "contains a digit". They are compiled when
 * saved (a bad one is refused) and cached compiled.
 */

const compiled = new Map<string, RegExp>();
const CACHE_LIMIT = 1000;

/** The syntax error of a pattern, or undefined when it compiles. */
export function patternProblem(pattern: string): string | undefined {
  try {
    // Compiled alone first: wrapped, `a)|(b` would compile and mean something else.
    new RegExp(pattern);
    new RegExp(`^(?:${pattern})$`);
    return undefined;
  } catch (err) {
    return `not a valid regular expression: ${(err as Error).message}`;
  }
}

/** Whether `value` matches `pattern` in full; the empty pattern accepts anything. */
export function matchesPattern(pattern: string, value: string): boolean {
  if (pattern === '') return true;
  let re = compiled.get(pattern);
  if (!re) {
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    re = new RegExp(`^(?:${pattern})$`);
    compiled.set(pattern, re);
  }
  return re.test(value);
}

/** Whether a search value uses the wildcards `*` (any run of characters) or `?` (one character). */
export const hasWildcard = (value: string): boolean => /[*?]/.test(value);

/** A search value with `*` and `?` as a LIKE pattern (escape character `\`). */
export const wildcardToLike = (value: string): string =>
  value.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%').replace(/\?/g, '_');
