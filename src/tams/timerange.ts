/**
 * TAMS timestamps and timeranges, exactly as TAMS 8.2 defines them. Pure: standard library only.
 *
 * Sources (all under /work/shared/tams-spec):
 * - schemas/timestamp.json: "A signed nanosecond resolution timestamp represented as
 *   `{sign?}{seconds}:{nanoseconds}`", pattern `^-?(0|[1-9][0-9]*):(0|[1-9][0-9]{0,8})$`.
 * - schemas/timerange.json: bounds `[` `(` `]` `)`, `_` separator, `_` = eternity, `()` = never,
 *   `[10:0]` = instantaneous (= `[10:0_10:0]`, short form preferred, no exclusive markers), pattern
 *   `^(\[|\()?(TS)?(_(TS)?)?(\]|\))?$`.
 * - AppNote 0008 "Timestamps in TAMS" (linked from both schemas), sections "Timestamp
 *   representation" and "TimeRange representation".
 *
 * ## Timestamps
 * A timestamp is a BigInt count of nanoseconds. The optional sign applies to the WHOLE value:
 * `value = sign × (seconds × 10⁹ + nanoseconds)`. So `-1:500000000` is −1.5 s (not −0.5 s), and
 * `-0:500000000` is −0.5 s. The schema calls the format a *signed* `{sign?}{seconds}:{nanoseconds}`
 * value and AppNote 0008 describes it as "an optional sign followed by the number of seconds, colon
 * and the number of nanoseconds"; the BBC `mediatimestamp` library the AppNote points to parses and
 * prints it this way (sign + |seconds| + ":" + |nanoseconds|). The nanosecond field has no leading
 * zeros, so `1:5` is 1.000000005 s, not 1.5 s. `-0:0` is accepted (the pattern allows it) and is
 * printed `0:0`. Seconds are unbounded (the pattern is); see {@link toSqlBounds} for the int8 limit.
 *
 * ## Timeranges: representation (read this before using the fields)
 * {@link TimeRange} keeps the spelled clusivity of each bound, so a range prints back the way the
 * spec prints it (`[0:0_10:0)`, `(5:0_`, `[10:0]`, `_`, `()`), and a segment registered as
 * `[0:0_10:0]` is returned as `[0:0_10:0]`. Every *comparison* is done on the exact half-open
 * integer-nanosecond view {@link HalfOpen} `[lo, hi)` (null = unbounded), obtained by
 * `lo = start + (startInclusive ? 0 : 1)`, `hi = end + (endInclusive ? 1 : 0)`. Because timestamps
 * are integers of nanoseconds this conversion is exact, and then:
 *   empty ⇔ lo ≥ hi; overlap ⇔ lo₁ < hi₂ ∧ lo₂ < hi₁; contains ⇔ lo₁ ≤ lo₂ ∧ hi₂ ≤ hi₁.
 * So `[1:0_2:0)` and `[2:0]` do not overlap (the edge case the segments GET description names), and
 * `[0:0_10:0]` equals `[0:0_10:1)` as a set (see {@link equals}), though it is spelled differently.
 *
 * Canonical form (what {@link parseTimerange} and {@link timerange} return):
 * - an unbounded side has `null` and its inclusive flag `false` (AppNote 0008: "The marker is
 *   ignored ... when omitting the Timestamp");
 * - every empty range is the single value {@link EMPTY} (printed `()`). A range is empty when it
 *   contains no nanosecond: end before start, equal ends with an exclusive marker (AppNote 0008's
 *   two rules), and also e.g. `(1:0_1:1)`, which holds no representable timestamp;
 * - a bounded side written without a marker is inclusive (`0:0_10:0` = `[0:0_10:0]`, `10:0` =
 *   `[10:0]`), as in `mediatimestamp`, and as the AppNote's "single Timestamp, either with inclusive
 *   markers or no markers" requires.
 *
 * Accepted strings are exactly those matching the schema pattern, no more and no fewer: the string
 * without timestamps and without `_` (``, `()`, `[]`, `[`...) is the empty range; `[0:0` (one
 * marker) is the instant `[0:0]`; `(0:0)` / `[0:0)` are instants with an exclusive marker and
 * therefore empty; `[2:0_1:0)` is valid and empty; `[_10:0)` is `_10:0)`.
 */

export const NS_PER_SECOND = 1_000_000_000n;
/** Largest and smallest values of a Postgres int8 / bigint. */
export const INT8_MAX = 9_223_372_036_854_775_807n;
export const INT8_MIN = -9_223_372_036_854_775_808n;

/** The spec's own patterns (schemas/timestamp.json, schemas/timerange.json), e.g. for zod. */
export const TIMESTAMP_PATTERN = /^-?(0|[1-9][0-9]*):(0|[1-9][0-9]{0,8})$/;
export const TIMERANGE_PATTERN =
  /^(\[|\()?(-?(0|[1-9][0-9]*):(0|[1-9][0-9]{0,8}))?(_(-?(0|[1-9][0-9]*):(0|[1-9][0-9]{0,8}))?)?(\]|\))?$/;

export type TimeErrorCode =
  | 'invalid_timestamp'
  | 'invalid_timerange'
  | 'invalid_rational'
  | 'out_of_range';

/** Thrown on any malformed input. `code` says what kind, `input` is the offending value. */
export class TimerangeError extends Error {
  override name = 'TimerangeError';
  constructor(
    readonly code: TimeErrorCode,
    message: string,
    readonly input?: unknown,
  ) {
    super(message);
  }
}

/** A timerange in canonical form; see the module comment. Never construct one by hand. */
export interface TimeRange {
  /** Start in ns; null = unbounded (−∞). */
  readonly start: bigint | null;
  /** End in ns; null = unbounded (+∞). */
  readonly end: bigint | null;
  /** `[` (true) or `(` (false); always false when `start` is null. */
  readonly startInclusive: boolean;
  /** `]` (true) or `)` (false); always false when `end` is null. */
  readonly endInclusive: boolean;
}

/** Exact half-open integer view `[lo, hi)`; null = unbounded. Empty ⇔ lo !== null && hi !== null && lo >= hi. */
export interface HalfOpen {
  readonly lo: bigint | null;
  readonly hi: bigint | null;
}

/** `()`: "never", the canonical empty range. */
export const EMPTY: TimeRange = Object.freeze({
  start: 0n,
  end: 0n,
  startInclusive: false,
  endInclusive: false,
});
/** `_`: "eternity", the whole timeline. */
export const ETERNITY: TimeRange = Object.freeze({
  start: null,
  end: null,
  startInclusive: false,
  endInclusive: false,
});

// ---------------------------------------------------------------------------------------------
// Timestamps

/** Reads a timestamp at `pos`; returns the value and the position after it, or an error text. */
function scanTimestamp(
  s: string,
  pos: number,
): { value: bigint; next: number } | { error: string } {
  let i = pos;
  let negative = false;
  if (s[i] === '-') {
    negative = true;
    i++;
  }
  const secStart = i;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  const sec = s.slice(secStart, i);
  if (sec === '') {
    return { error: `expected digits of seconds at position ${secStart}` };
  }
  if (sec.length > 1 && sec[0] === '0') {
    return { error: `seconds "${sec}" must not have leading zeros` };
  }
  if (s[i] !== ':') {
    return {
      error:
        i < s.length
          ? `expected ":" after seconds at position ${i}, found "${s[i]}"`
          : `missing ":nanoseconds" after seconds "${sec}"`,
    };
  }
  i++;
  const nsStart = i;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  const ns = s.slice(nsStart, i);
  if (ns === '') return { error: `expected digits of nanoseconds at position ${nsStart}` };
  if (ns.length > 1 && ns[0] === '0') {
    return { error: `nanoseconds "${ns}" must not have leading zeros` };
  }
  if (ns.length > 9) return { error: `nanoseconds "${ns}" exceed 999999999` };
  const magnitude = BigInt(sec) * NS_PER_SECOND + BigInt(ns);
  return { value: negative ? -magnitude : magnitude, next: i };
}

/** Parses `[-]seconds:nanoseconds` into nanoseconds. Throws {@link TimerangeError}. */
export function parseTimestamp(s: string): bigint {
  if (typeof s !== 'string') {
    throw new TimerangeError('invalid_timestamp', 'timestamp must be a string', s);
  }
  const r = scanTimestamp(s, 0);
  if ('error' in r) {
    throw new TimerangeError('invalid_timestamp', `invalid timestamp "${s}": ${r.error}`, s);
  }
  if (r.next !== s.length) {
    throw new TimerangeError(
      'invalid_timestamp',
      `invalid timestamp "${s}": unexpected "${s.slice(r.next)}" after nanoseconds`,
      s,
    );
  }
  return r.value;
}

/** Prints nanoseconds as the canonical `[-]seconds:nanoseconds` (zero is `0:0`). */
export function formatTimestamp(ns: bigint): string {
  const negative = ns < 0n;
  const abs = negative ? -ns : ns;
  return `${negative ? '-' : ''}${abs / NS_PER_SECOND}:${abs % NS_PER_SECOND}`;
}

export function isValidTimestamp(s: unknown): s is string {
  return typeof s === 'string' && TIMESTAMP_PATTERN.test(s);
}

/** Accepts a timestamp as nanoseconds or as its string form. */
export function toNanoseconds(t: bigint | string): bigint {
  return typeof t === 'bigint' ? t : parseTimestamp(t);
}

/** `a + b`, in nanoseconds. */
export function addTimestamps(a: bigint | string, b: bigint | string): bigint {
  return toNanoseconds(a) + toNanoseconds(b);
}

/** `a − b`, in nanoseconds. */
export function subtractTimestamps(a: bigint | string, b: bigint | string): bigint {
  return toNanoseconds(a) - toNanoseconds(b);
}

export function compareTimestamps(a: bigint, b: bigint): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Timeranges: construction, parsing, printing

/**
 * Builds a canonical range. Defaults: inclusive start, exclusive end (the segment convention).
 * Empty results are {@link EMPTY}; flags of unbounded sides are dropped.
 */
export function timerange(
  start: bigint | null,
  end: bigint | null,
  startInclusive = true,
  endInclusive = false,
): TimeRange {
  const si = start !== null && startInclusive;
  const ei = end !== null && endInclusive;
  if (start !== null && end !== null) {
    const lo = si ? start : start + 1n;
    const hi = ei ? end + 1n : end;
    if (lo >= hi) return EMPTY;
  }
  if (start === null && end === null) return ETERNITY;
  return Object.freeze({ start, end, startInclusive: si, endInclusive: ei });
}

/** Canonical form of a possibly hand-built range. */
export function canonical(r: TimeRange): TimeRange {
  return timerange(r.start, r.end, r.startInclusive, r.endInclusive);
}

/** `[ts]`, the instantaneous range. */
export function instant(ts: bigint): TimeRange {
  return timerange(ts, ts, true, true);
}

/**
 * Parses a timerange string (any string the spec pattern accepts; see the module comment for the
 * meaning of the unusual ones). Throws {@link TimerangeError} naming the problem.
 */
export function parseTimerange(s: string): TimeRange {
  if (typeof s !== 'string') {
    throw new TimerangeError('invalid_timerange', 'timerange must be a string', s);
  }
  const fail = (why: string): never => {
    throw new TimerangeError('invalid_timerange', `invalid timerange "${s}": ${why}`, s);
  };
  let i = 0;
  let startMarker: string | undefined;
  let endMarker: string | undefined;
  let start: bigint | null = null;
  let end: bigint | null = null;
  let underscore = false;

  if (s[i] === '[' || s[i] === '(') startMarker = s[i++];
  const isTsStart = (c: string | undefined) => c === '-' || (c !== undefined && c >= '0' && c <= '9');
  if (isTsStart(s[i])) {
    const r = scanTimestamp(s, i);
    if ('error' in r) fail(`start timestamp: ${r.error}`);
    else {
      start = r.value;
      i = r.next;
    }
  }
  if (s[i] === '_') {
    underscore = true;
    i++;
    if (isTsStart(s[i])) {
      const r = scanTimestamp(s, i);
      if ('error' in r) fail(`end timestamp: ${r.error}`);
      else {
        end = r.value;
        i = r.next;
      }
    }
  }
  if (s[i] === ']' || s[i] === ')') endMarker = s[i++];
  if (i < s.length) {
    const c = s[i];
    const expected =
      endMarker !== undefined
        ? 'nothing may follow the closing marker'
        : underscore && end !== null
          ? 'expected "]" or ")" after the end timestamp'
          : underscore
            ? 'expected an end timestamp, "]" or ")"'
            : start !== null
              ? 'expected "_", "]" or ")" after the start timestamp'
              : startMarker !== undefined
                ? 'expected a timestamp, "_", "]" or ")"'
                : 'expected "[", "(", a timestamp, "_", "]" or ")"';
    fail(`unexpected "${c}" at position ${i}: ${expected}`);
  }

  if (!underscore) {
    // No "_": either no timestamp at all (the empty range, e.g. "()"), or a single timestamp.
    if (start === null) return EMPTY;
    end = start;
  }
  // A bounded side without a marker is inclusive.
  return timerange(start, end, startMarker !== '(', endMarker !== ')');
}

export function isValidTimerange(s: unknown): s is string {
  return typeof s === 'string' && TIMERANGE_PATTERN.test(s);
}

/** Canonical printing, as the spec prints ranges: `[0:0_10:0)`, `(5:0_`, `_10:0]`, `[10:0]`, `_`, `()`. */
export function formatTimerange(r: TimeRange): string {
  if (isEmpty(r)) return '()';
  if (r.start !== null && r.end !== null && r.start === r.end) {
    return `[${formatTimestamp(r.start)}]`; // non-empty and equal ends ⇒ both inclusive
  }
  const left = r.start === null ? '' : `${r.startInclusive ? '[' : '('}${formatTimestamp(r.start)}`;
  const right = r.end === null ? '' : `${formatTimestamp(r.end)}${r.endInclusive ? ']' : ')'}`;
  return `${left}_${right}`;
}

/** Re-spells any accepted timerange string canonically (e.g. `0:0_1:0` → `[0:0_1:0]`, `[2:0_1:0)` → `()`). */
export function normalizeTimerange(s: string): string {
  return formatTimerange(parseTimerange(s));
}

// ---------------------------------------------------------------------------------------------
// Set operations (all exact, on the half-open integer view)

export function toHalfOpen(r: TimeRange): HalfOpen {
  return {
    lo: r.start === null ? null : r.startInclusive ? r.start : r.start + 1n,
    hi: r.end === null ? null : r.endInclusive ? r.end + 1n : r.end,
  };
}

/**
 * Rebuilds a range from half-open bounds, e.g. int8 columns read from the database. `spelling`
 * says how to print each bounded side; the default `[lo_hi)` suits segments. With
 * `endInclusive: true` the end is printed as `hi − 1]`, with `startInclusive: false` as `(lo − 1`.
 */
export function fromHalfOpen(
  h: HalfOpen,
  spelling: { startInclusive?: boolean; endInclusive?: boolean } = {},
): TimeRange {
  const si = spelling.startInclusive ?? true;
  const ei = spelling.endInclusive ?? false;
  if (h.lo !== null && h.hi !== null && h.lo >= h.hi) return EMPTY;
  return timerange(
    h.lo === null ? null : si ? h.lo : h.lo - 1n,
    h.hi === null ? null : ei ? h.hi - 1n : h.hi,
    si,
    ei,
  );
}

/** True when the range contains no nanosecond (canonical or not). */
export function isEmpty(r: TimeRange): boolean {
  const { lo, hi } = toHalfOpen(r);
  return lo !== null && hi !== null && lo >= hi;
}

export function isEternity(r: TimeRange): boolean {
  return r.start === null && r.end === null;
}

/** Non-empty and both ends bounded. */
export function isBounded(r: TimeRange): boolean {
  return r.start !== null && r.end !== null && !isEmpty(r);
}

/** Exactly one nanosecond, e.g. `[10:0]` (also `[10:0_10:1)`, the same set). */
export function isInstant(r: TimeRange): boolean {
  const { lo, hi } = toHalfOpen(r);
  return lo !== null && hi !== null && hi - lo === 1n;
}

/** Set equality (`[0:0_10:0]` equals `[0:0_10:1)`; all empty ranges are equal). */
export function equals(a: TimeRange, b: TimeRange): boolean {
  const ea = isEmpty(a);
  const eb = isEmpty(b);
  if (ea || eb) return ea && eb;
  const ha = toHalfOpen(a);
  const hb = toHalfOpen(b);
  return ha.lo === hb.lo && ha.hi === hb.hi;
}

/** Share at least one nanosecond. Empty ranges overlap nothing. */
export function overlaps(a: TimeRange, b: TimeRange): boolean {
  if (isEmpty(a) || isEmpty(b)) return false;
  const ha = toHalfOpen(a);
  const hb = toHalfOpen(b);
  return (
    (ha.lo === null || hb.hi === null || ha.lo < hb.hi) &&
    (hb.lo === null || ha.hi === null || hb.lo < ha.hi)
  );
}

export function containsTimestamp(r: TimeRange, ts: bigint): boolean {
  const { lo, hi } = toHalfOpen(r);
  return (lo === null || lo <= ts) && (hi === null || ts < hi);
}

/**
 * `outer ⊇ inner` for a range, or `ts ∈ outer` for a timestamp. Set semantics: every range
 * contains the empty range; the empty range contains only the empty range.
 */
export function contains(outer: TimeRange, inner: TimeRange | bigint): boolean {
  if (typeof inner === 'bigint') return containsTimestamp(outer, inner);
  if (isEmpty(inner)) return true;
  if (isEmpty(outer)) return false;
  const o = toHalfOpen(outer);
  const n = toHalfOpen(inner);
  const loOk = o.lo === null || (n.lo !== null && o.lo <= n.lo);
  const hiOk = o.hi === null || (n.hi !== null && n.hi <= o.hi);
  return loOk && hiOk;
}

type Bound = { t: bigint | null; incl: boolean };
const startOf = (r: TimeRange): Bound => ({ t: r.start, incl: r.startInclusive });
const endOf = (r: TimeRange): Bound => ({ t: r.end, incl: r.endInclusive });
const loOf = (b: Bound): bigint | null => (b.t === null ? null : b.incl ? b.t : b.t + 1n);
const hiOf = (b: Bound): bigint | null => (b.t === null ? null : b.incl ? b.t + 1n : b.t);

/**
 * Picks the later (`later = true`) or earlier start bound. Equal positions spelled differently
 * (`[5:0` vs `(4:999999999`) resolve to the inclusive spelling, so the choice is symmetric.
 */
function pickStart(a: Bound, b: Bound, later: boolean): Bound {
  const la = loOf(a);
  const lb = loOf(b);
  if (la === null || lb === null) {
    if (later) return la === null ? b : a;
    return la === null ? a : b;
  }
  if (la === lb) return a.incl ? a : b;
  return (la > lb) === later ? a : b;
}

/** Picks the earlier (`earlier = true`) or later end bound; equal positions → exclusive spelling. */
function pickEnd(a: Bound, b: Bound, earlier: boolean): Bound {
  const ha = hiOf(a);
  const hb = hiOf(b);
  if (ha === null || hb === null) {
    if (earlier) return ha === null ? b : a;
    return ha === null ? a : b;
  }
  if (ha === hb) return a.incl ? b : a;
  return (ha < hb) === earlier ? a : b;
}

/** `a ∩ b`, keeping each chosen bound's spelling. Commutative (also structurally). */
export function intersection(a: TimeRange, b: TimeRange): TimeRange {
  if (isEmpty(a) || isEmpty(b)) return EMPTY;
  const s = pickStart(startOf(a), startOf(b), true);
  const e = pickEnd(endOf(a), endOf(b), true);
  return timerange(s.t, e.t, s.incl, e.incl);
}

/** Smallest single range covering both (gaps between them included). Empty inputs are ignored. */
export function hull(a: TimeRange, b: TimeRange): TimeRange {
  if (isEmpty(a)) return canonical(b);
  if (isEmpty(b)) return canonical(a);
  const s = pickStart(startOf(a), startOf(b), false);
  const e = pickEnd(endOf(a), endOf(b), false);
  return timerange(s.t, e.t, s.incl, e.incl);
}

/** Hull of any number of ranges (e.g. a Flow's timerange from its segments); `()` for none. */
export function hullAll(ranges: Iterable<TimeRange>): TimeRange {
  let acc = EMPTY;
  for (const r of ranges) acc = hull(acc, r);
  return acc;
}

/** True when the ranges overlap or touch with no nanosecond between them (`[0:0_1:0)`, `[1:0_2:0)`). */
export function adjacentOrOverlapping(a: TimeRange, b: TimeRange): boolean {
  if (isEmpty(a) || isEmpty(b)) return false;
  if (overlaps(a, b)) return true;
  const ha = toHalfOpen(a);
  const hb = toHalfOpen(b);
  return (ha.hi !== null && ha.hi === hb.lo) || (hb.hi !== null && hb.hi === ha.lo);
}

/** Exact set union when it is a single range (overlapping or adjacent inputs), otherwise null. */
export function union(a: TimeRange, b: TimeRange): TimeRange | null {
  if (isEmpty(a) || isEmpty(b) || adjacentOrOverlapping(a, b)) return hull(a, b);
  return null;
}

/**
 * `a \ b` as 0, 1 or 2 ranges in time order (e.g. the `timerange_remaining` of a delete request).
 * New bounds take the opposite clusivity of the cutting bound of `b`.
 */
export function difference(a: TimeRange, b: TimeRange): TimeRange[] {
  if (isEmpty(a)) return [];
  if (!overlaps(a, b)) return [canonical(a)];
  const out: TimeRange[] = [];
  if (b.start !== null) {
    const left = timerange(a.start, b.start, a.startInclusive, !b.startInclusive);
    if (!isEmpty(left)) out.push(left);
  }
  if (b.end !== null) {
    const right = timerange(b.end, a.end, !b.endInclusive, a.endInclusive);
    if (!isEmpty(right)) out.push(right);
  }
  return out;
}

/** Moves both bounds by `delta` ns (e.g. `object_timerange = timerange − ts_offset`). */
export function shift(r: TimeRange, delta: bigint): TimeRange {
  if (isEmpty(r)) return EMPTY;
  return timerange(
    r.start === null ? null : r.start + delta,
    r.end === null ? null : r.end + delta,
    r.startInclusive,
    r.endInclusive,
  );
}

/** `end − start` in ns as written (clusivity ignored, like `mediatimestamp`); 0 if empty; null if unbounded. */
export function duration(r: TimeRange): bigint | null {
  if (isEmpty(r)) return 0n;
  if (r.start === null || r.end === null) return null;
  return r.end - r.start;
}

/** Total order for sorting: empty first, then by start (−∞ first), then by end (+∞ last). */
export function compareTimeranges(a: TimeRange, b: TimeRange): -1 | 0 | 1 {
  const ea = isEmpty(a);
  const eb = isEmpty(b);
  if (ea || eb) return ea && eb ? 0 : ea ? -1 : 1;
  const ha = toHalfOpen(a);
  const hb = toHalfOpen(b);
  if (ha.lo !== hb.lo) {
    if (ha.lo === null) return -1;
    if (hb.lo === null) return 1;
    return ha.lo < hb.lo ? -1 : 1;
  }
  if (ha.hi !== hb.hi) {
    if (ha.hi === null) return 1;
    if (hb.hi === null) return -1;
    return ha.hi < hb.hi ? -1 : 1;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// SQL helpers (half-open int8 bounds)

/** Half-open `[lower, upper)` int8 bounds; null = unbounded. */
export interface Int8Bounds {
  readonly lower: bigint | null;
  readonly upper: bigint | null;
}

/**
 * Half-open int8 bounds for a Postgres `int8range` / btree query, or `null` for an empty range
 * (which matches nothing). An overlap test against stored `[lo, hi)` columns is then
 * `(hi IS NULL OR hi > lower) AND (lo IS NULL OR lo < upper)`, with null params skipping a side,
 * or `range && int8range(lower, upper, '[)')`.
 *
 * int8 nanoseconds cover ±292 years around 1970 (ample for TAI). Bounds beyond that throw
 * {@link TimerangeError} (`out_of_range`) — use this when storing. With `clamp: true` (for query
 * filters) they are folded instead: a bound past the representable domain becomes unbounded, and
 * a range lying wholly outside it becomes empty (`null`), which is exact for data stored in int8.
 */
export function toSqlBounds(r: TimeRange, opts: { clamp?: boolean } = {}): Int8Bounds | null {
  if (isEmpty(r)) return null;
  let { lo, hi } = toHalfOpen(r);
  const outside = (v: bigint) => v < INT8_MIN || v > INT8_MAX;
  if (!opts.clamp) {
    if ((lo !== null && outside(lo)) || (hi !== null && outside(hi))) {
      throw new TimerangeError(
        'out_of_range',
        `timerange "${formatTimerange(r)}" does not fit int8 nanoseconds`,
        r,
      );
    }
    return { lower: lo, upper: hi };
  }
  if (lo !== null && lo > INT8_MAX) return null;
  if (hi !== null && hi <= INT8_MIN) return null;
  if (lo !== null && lo < INT8_MIN) lo = null;
  if (hi !== null && hi > INT8_MAX) hi = null;
  return { lower: lo, upper: hi };
}

/** Postgres `int8range` text literal: `[0,10000000000)`, `[5,)`, `(,)`, `empty`. Throws like {@link toSqlBounds}. */
export function toPgRangeLiteral(r: TimeRange, opts: { clamp?: boolean } = {}): string {
  const b = toSqlBounds(r, opts);
  if (b === null) return 'empty';
  return `${b.lower === null ? '(' : `[${b.lower}`},${b.upper === null ? ')' : `${b.upper})`}`;
}

// ---------------------------------------------------------------------------------------------
// Rationals: `{numerator, denominator?}` as used by the spec for `segment_duration` (seconds) and
// `frame_rate` (Hz) in flow-technical.json / flow-video.json: integers > 0, denominator default 1.

export interface Rational {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

export type Rounding = 'floor' | 'ceil' | 'nearest' | 'exact';

/** Validates a JSON `{numerator, denominator?}` (integers > 0; denominator defaults to 1). */
export function parseRational(v: unknown, what = 'rational'): Rational {
  const bad = (why: string): never => {
    throw new TimerangeError('invalid_rational', `invalid ${what}: ${why}`, v);
  };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('expected an object');
  const o = v as Record<string, unknown>;
  const int = (x: unknown, name: string): bigint => {
    if (typeof x === 'bigint') return x;
    if (typeof x === 'number' && Number.isSafeInteger(x)) return BigInt(x);
    return bad(`${name} must be an integer`);
  };
  const numerator = int(o.numerator, 'numerator');
  const denominator = o.denominator === undefined ? 1n : int(o.denominator, 'denominator');
  if (numerator <= 0n) bad('numerator must be > 0');
  if (denominator <= 0n) bad('denominator must be > 0');
  return { numerator, denominator };
}

function divide(n: bigint, d: bigint, rounding: Rounding): bigint {
  // d > 0 here
  const q = n / d; // truncates toward zero
  const r = n % d;
  if (r === 0n) return q;
  switch (rounding) {
    case 'exact':
      throw new TimerangeError('out_of_range', `${n}/${d} is not a whole number of nanoseconds`);
    case 'floor':
      return n < 0n ? q - 1n : q;
    case 'ceil':
      return n < 0n ? q : q + 1n;
    case 'nearest': {
      // half away from zero
      const twice = 2n * (r < 0n ? -r : r);
      if (twice < d) return q;
      return n < 0n ? q - 1n : q + 1n;
    }
  }
}

/** A duration in seconds given as a rational (e.g. `segment_duration`) → nanoseconds. */
export function rationalSecondsToNanoseconds(r: Rational, rounding: Rounding = 'exact'): bigint {
  return divide(r.numerator * NS_PER_SECOND, r.denominator, rounding);
}

/** Timestamp of sample `count` at `rate` Hz from origin 0:0: floor(count × 10⁹ / rate). */
export function countToTimestamp(
  count: bigint,
  rate: Rational,
  rounding: Rounding = 'floor',
): bigint {
  return divide(count * NS_PER_SECOND * rate.denominator, rate.numerator, rounding);
}

/**
 * Sample index of `ts` at `rate` Hz. `ceil` inverts {@link countToTimestamp} exactly (for rates up
 * to 1 GHz); `floor` gives the sample whose period contains `ts`.
 */
export function timestampToCount(ts: bigint, rate: Rational, rounding: Rounding = 'ceil'): bigint {
  return divide(ts * rate.numerator, NS_PER_SECOND * rate.denominator, rounding);
}
