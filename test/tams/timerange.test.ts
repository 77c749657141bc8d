import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  EMPTY,
  ETERNITY,
  INT8_MAX,
  INT8_MIN,
  NS_PER_SECOND,
  TIMERANGE_PATTERN,
  TIMESTAMP_PATTERN,
  TimerangeError,
  addTimestamps,
  adjacentOrOverlapping,
  compareTimeranges,
  contains,
  containsTimestamp,
  countToTimestamp,
  difference,
  duration,
  equals,
  formatTimerange,
  formatTimestamp,
  fromHalfOpen,
  hull,
  hullAll,
  instant,
  intersection,
  isBounded,
  isEmpty,
  isEternity,
  isInstant,
  isValidTimerange,
  isValidTimestamp,
  normalizeTimerange,
  overlaps,
  parseRational,
  parseTimerange,
  parseTimestamp,
  rationalSecondsToNanoseconds,
  shift,
  subtractTimestamps,
  timerange,
  timestampToCount,
  toHalfOpen,
  toPgRangeLiteral,
  toSqlBounds,
  union,
  type TimeRange,
} from '../../src/tams/timerange.js';

const S = NS_PER_SECOND;
const tr = parseTimerange;
const fmt = formatTimerange;

// ---------------------------------------------------------------------------------------------
// Generators

/** Timestamps that collide often (small window) plus second boundaries and huge values. */
const smallTs = fc.integer({ min: -12, max: 12 }).map(BigInt);
const anyTs = fc.oneof(
  { arbitrary: smallTs, weight: 3 },
  { arbitrary: fc.bigInt(-3n * S, 3n * S), weight: 2 },
  {
    arbitrary: fc
      .tuple(fc.bigInt(-5n, 5n), fc.constantFrom(-1n, 0n, 1n))
      .map(([s, d]) => s * S + d),
    weight: 2,
  },
  { arbitrary: fc.bigInt(-(1n << 80n), 1n << 80n), weight: 1 },
);

/** Any canonical range, built through the constructor (so empties are EMPTY etc.). */
const rangeOver = (ts: fc.Arbitrary<bigint>): fc.Arbitrary<TimeRange> =>
  fc
    .record({
      start: fc.option(ts, { freq: 5 }),
      end: fc.option(ts, { freq: 5 }),
      si: fc.boolean(),
      ei: fc.boolean(),
    })
    .map(({ start, end, si, ei }) => timerange(start, end, si, ei));

const anyRange = rangeOver(anyTs);
/** Ranges over a small window, so pairs overlap, touch and coincide often. */
const smallRange = rangeOver(smallTs);
/** Points covering the small window and a margin beyond it. */
const points = Array.from({ length: 41 }, (_, i) => BigInt(i - 20));

/** Membership straight from the definition of the markers, independent of toHalfOpen. */
function member(r: TimeRange, t: bigint): boolean {
  if (r === EMPTY) return false;
  const afterStart = r.start === null || (r.startInclusive ? t >= r.start : t > r.start);
  const beforeEnd = r.end === null || (r.endInclusive ? t <= r.end : t < r.end);
  return afterStart && beforeEnd;
}

// ---------------------------------------------------------------------------------------------

describe('timestamps', () => {
  it.each([
    ['0:0', 0n],
    ['1:0', S],
    ['1:5', S + 5n], // nanoseconds, not a decimal fraction
    ['1:500000000', 1_500_000_000n],
    ['0:999999999', 999_999_999n],
    ['1694429247:40000000', 1_694_429_247_040_000_000n],
    ['-1:500000000', -1_500_000_000n], // the sign applies to the whole value: -1.5 s
    ['-0:500000000', -500_000_000n],
    ['-1:0', -S],
    ['-0:1', -1n],
    ['-0:0', 0n],
    ['300:0', 300n * S],
    ['123456789012345678901234567890:1', 123456789012345678901234567890n * S + 1n],
  ])('parses %s', (s, ns) => {
    expect(parseTimestamp(s)).toBe(ns);
    expect(isValidTimestamp(s)).toBe(true);
  });

  it.each([
    [0n, '0:0'],
    [-1n, '-0:1'],
    [-1_500_000_000n, '-1:500000000'],
    [-500_000_000n, '-0:500000000'],
    [999_999_999n, '0:999999999'],
    [S, '1:0'],
    [-S, '-1:0'],
    [S + 1n, '1:1'],
  ])('formats %s as %s', (ns, s) => {
    expect(formatTimestamp(ns)).toBe(s);
  });

  it.each([
    ['', 'expected digits of seconds'],
    ['1', 'missing ":nanoseconds"'],
    ['1:', 'expected digits of nanoseconds'],
    [':1', 'expected digits of seconds'],
    ['01:0', 'seconds "01" must not have leading zeros'],
    ['1:01', 'nanoseconds "01" must not have leading zeros'],
    ['1:1000000000', 'nanoseconds "1000000000" exceed 999999999'],
    ['1:0000000000', 'must not have leading zeros'],
    ['+1:0', 'expected digits of seconds'],
    ['--1:0', 'expected digits of seconds'],
    ['1.5:0', 'expected ":" after seconds'],
    ['1:0 ', 'unexpected " " after nanoseconds'],
    [' 1:0', 'expected digits of seconds'],
    ['1:0:0', 'unexpected ":0" after nanoseconds'],
    ['abc', 'expected digits of seconds'],
  ])('rejects %j (%s)', (s, why) => {
    expect(isValidTimestamp(s)).toBe(false);
    expect(() => parseTimestamp(s)).toThrow(TimerangeError);
    expect(() => parseTimestamp(s)).toThrow(why);
    try {
      parseTimestamp(s);
    } catch (e) {
      expect((e as TimerangeError).code).toBe('invalid_timestamp');
      expect((e as TimerangeError).input).toBe(s);
    }
  });

  it('format then parse is the identity on values', () => {
    fc.assert(fc.property(anyTs, (ns) => parseTimestamp(formatTimestamp(ns)) === ns));
  });

  it('formats only strings the spec pattern accepts', () => {
    fc.assert(fc.property(anyTs, (ns) => TIMESTAMP_PATTERN.test(formatTimestamp(ns))));
  });

  it('parse then format is the identity on canonical strings', () => {
    const canonical = fc
      .tuple(fc.boolean(), fc.bigInt(0n, 1n << 64n), fc.bigInt(0n, 999_999_999n))
      .filter(([neg, s, n]) => !(neg && s === 0n && n === 0n)) // "-0:0" is not canonical
      .map(([neg, s, n]) => `${neg ? '-' : ''}${s}:${n}`);
    fc.assert(fc.property(canonical, (s) => formatTimestamp(parseTimestamp(s)) === s));
  });

  it('accepts exactly the strings the spec pattern accepts', () => {
    const piece = fc.constantFrom('-', '0', '1', '9', ':', '00', '123456789', '1000000000', 'x', ' ');
    const candidate = fc.array(piece, { maxLength: 6 }).map((a) => a.join(''));
    fc.assert(
      fc.property(candidate, (s) => {
        let ok = true;
        try {
          parseTimestamp(s);
        } catch {
          ok = false;
        }
        return ok === TIMESTAMP_PATTERN.test(s);
      }),
      { numRuns: 3000 },
    );
  });

  it('does arithmetic on BigInt nanoseconds, also from strings', () => {
    expect(addTimestamps('0:999999999', '0:1')).toBe(S);
    expect(addTimestamps('-1:500000000', '1:500000000')).toBe(0n);
    expect(formatTimestamp(subtractTimestamps('0:0', '0:1'))).toBe('-0:1');
    expect(formatTimestamp(subtractTimestamps(10n * S, '-100:0'))).toBe('110:0');
    fc.assert(
      fc.property(anyTs, anyTs, (a, b) => subtractTimestamps(addTimestamps(a, b), b) === a),
    );
  });
});

describe('timerange parsing and printing', () => {
  // The spec's own examples: schemas/timerange.json and AppNote 0008.
  it.each([
    ['[0:0_10:0)', { start: 0n, end: 10n * S, startInclusive: true, endInclusive: false }],
    ['(5:0_', { start: 5n * S, end: null, startInclusive: false, endInclusive: false }],
    ['_', ETERNITY],
    ['()', EMPTY],
    [
      '[1694429247:0_1694429248:0)',
      { start: 1694429247n * S, end: 1694429248n * S, startInclusive: true, endInclusive: false },
    ],
    [
      '[1694429247:0]',
      { start: 1694429247n * S, end: 1694429247n * S, startInclusive: true, endInclusive: true },
    ],
    ['[10:0]', instant(10n * S)],
  ])('spec example %s', (s, value) => {
    const r = tr(s);
    expect(r).toEqual(value);
    expect(fmt(r)).toBe(s);
    expect(isValidTimerange(s)).toBe(true);
  });

  it('treats [1694429247:0_1694429247:0] as the instant [1694429247:0], printed short', () => {
    const long = tr('[1694429247:0_1694429247:0]');
    expect(long).toEqual(tr('[1694429247:0]'));
    expect(fmt(long)).toBe('[1694429247:0]');
    expect(isInstant(long)).toBe(true);
  });

  it.each([
    // The example values in /work/shared/tams-spec/examples/*.json
    '[0:0_10:0)',
    '[10:0_20:0)',
    '[20:0_30:0)',
    '[20:0_21:0)',
    '[28:0_30:0)',
    '[150:0_200:0)',
    '[0:0_1000:0)',
    '[900:0_1000:0)',
    '[1537349337:0_1537349347:21333333)',
    '[1537349339:0_1537349347:21333333)',
  ])('round-trips the example %s', (s) => {
    expect(fmt(tr(s))).toBe(s);
  });

  it.each([
    // Accepted by the spec pattern, normalised per AppNote 0008 (bounded side without marker is
    // inclusive; markers of omitted timestamps are ignored; empty-by-construction is "()").
    ['', '()'],
    ['[]', '()'],
    ['(]', '()'],
    ['(', '()'],
    [')', '()'],
    ['10:0', '[10:0]'],
    ['[0:0', '[0:0]'],
    ['0:0]', '[0:0]'],
    ['(10:0)', '()'], // instantaneous with exclusive markers: start = end with an exclusive marker
    ['[10:0)', '()'],
    ['(10:0]', '()'],
    ['(10:0', '()'],
    ['[10:0_10:0)', '()'],
    ['(10:0_10:0]', '()'],
    ['[2:0_1:0)', '()'], // end before start: empty, not invalid
    ['[2:0_1:0]', '()'],
    ['(0:0_0:1)', '()'], // no nanosecond strictly between 0:0 and 0:1
    ['(0:0_0:2)', '(0:0_0:2)'],
    ['(0:999999999_1:0]', '(0:999999999_1:0]'],
    ['0:0_10:0', '[0:0_10:0]'],
    ['_10:0', '_10:0]'],
    ['10:0_', '[10:0_'],
    ['[_10:0)', '_10:0)'],
    ['(_10:0]', '_10:0]'],
    ['[5:0_)', '[5:0_'],
    ['[_]', '_'],
    ['(_)', '_'],
    ['[_', '_'],
    ['_)', '_'],
    ['[-0:0]', '[0:0]'],
    ['[-0:0_0:0]', '[0:0]'],
    ['[-1:500000000_-0:500000000)', '[-1:500000000_-0:500000000)'],
    ['[-0:1_0:1)', '[-0:1_0:1)'],
  ])('accepts %j and prints it as %s', (s, canonical) => {
    expect(isValidTimerange(s)).toBe(true);
    expect(fmt(tr(s))).toBe(canonical);
    expect(normalizeTimerange(s)).toBe(canonical);
  });

  it.each([
    ['abc', 'unexpected "a" at position 0'],
    ['[1:1000000000_2:0)', 'start timestamp: nanoseconds "1000000000" exceed 999999999'],
    ['[1:0_2:1000000000)', 'end timestamp: nanoseconds "1000000000" exceed 999999999'],
    ['[01:0_2:0)', 'seconds "01" must not have leading zeros'],
    ['[1:05_2:0)', 'nanoseconds "05" must not have leading zeros'],
    ['[1:0_2:0))', 'nothing may follow the closing marker'],
    ['[[1:0_2:0)', 'expected a timestamp'],
    ['[1:0__2:0)', 'expected an end timestamp'],
    ['[1:0_2:0_3:0)', 'expected "]" or ")"'],
    ['[1:0 _2:0)', 'after the start timestamp'],
    [' [1:0_2:0)', 'unexpected " " at position 0'],
    ['[1:0_2:0) ', 'nothing may follow'],
    ['[1.5:0_2:0)', 'expected ":" after seconds'],
    ['[+1:0_2:0)', 'unexpected "+"'],
    ['[1_2]', 'expected ":" after seconds at position 2, found "_"'],
    ['[1:_2:0]', 'expected digits of nanoseconds'],
    ['[-_1:0)', 'expected digits of seconds'],
    ['[1:0-2:0)', 'after the start timestamp'],
    ['[1:0,2:0)', 'after the start timestamp'],
    ['{1:0_2:0}', 'unexpected "{"'],
    ['1:0_2:0)x', 'nothing may follow'],
    ['()()', 'nothing may follow'],
    ['__', 'expected an end timestamp'],
  ])('rejects %j with a message naming the problem', (s, why) => {
    expect(isValidTimerange(s)).toBe(false);
    let err: unknown;
    try {
      tr(s);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TimerangeError);
    const e = err as TimerangeError;
    expect(e.code).toBe('invalid_timerange');
    expect(e.input).toBe(s);
    expect(e.message).toContain(`invalid timerange "${s}"`);
    expect(e.message).toContain(why);
  });

  it('rejects non-strings', () => {
    expect(() => tr(undefined as unknown as string)).toThrow(TimerangeError);
    expect(() => parseTimestamp(5 as unknown as string)).toThrow('timestamp must be a string');
  });

  it('accepts exactly the strings the spec pattern accepts (random pieces)', () => {
    const piece = fc.constantFrom(
      '[', '(', ']', ')', '_', '_', ':', '-', '0', '1', '9', '1:0', '-1:5', '0:999999999',
      '1:1000000000', '01', 'x', ' ',
    );
    const candidate = fc.array(piece, { maxLength: 8 }).map((a) => a.join(''));
    fc.assert(
      fc.property(candidate, (s) => {
        let ok = true;
        try {
          tr(s);
        } catch (e) {
          expect(e).toBeInstanceOf(TimerangeError);
          ok = false;
        }
        return ok === TIMERANGE_PATTERN.test(s);
      }),
      { numRuns: 5000 },
    );
  });

  it('interprets every accepted string as its markers say (structured pieces)', () => {
    const tsStr = fc.constantFrom('-0:3', '-0:1', '0:0', '-0:0', '0:2', '0:5');
    const shape = fc.record({
      open: fc.constantFrom('', '[', '('),
      a: fc.option(tsStr),
      sep: fc.boolean(),
      b: fc.option(tsStr),
      close: fc.constantFrom('', ']', ')'),
    });
    fc.assert(
      fc.property(shape, ({ open, a, sep, b, close }) => {
        const s = `${open}${a ?? ''}${sep ? `_${b ?? ''}` : ''}${close}`;
        expect(TIMERANGE_PATTERN.test(s)).toBe(true);
        const r = tr(s);
        const A = a === null ? null : parseTimestamp(a);
        const B = sep ? (b === null ? null : parseTimestamp(b)) : A;
        for (const t of points) {
          let expected: boolean;
          if (!sep && A === null) expected = false; // "()", "[]", "": never
          else {
            const okStart = A === null || (open === '(' ? t > A : t >= A);
            const okEnd = B === null || (close === ')' ? t < B : t <= B);
            expected = okStart && okEnd;
          }
          if (containsTimestamp(r, t) !== expected) return false;
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('format then parse is the identity on canonical values', () => {
    fc.assert(
      fc.property(anyRange, (r) => {
        expect(tr(fmt(r))).toEqual(r);
      }),
    );
  });

  it('parse then format is the identity on canonical strings', () => {
    fc.assert(
      fc.property(anyRange, (r) => {
        const s = fmt(r);
        return fmt(tr(s)) === s && TIMERANGE_PATTERN.test(s);
      }),
    );
  });

  it('parse then format is idempotent on any accepted string', () => {
    const tsStr = anyTs.map(formatTimestamp);
    const s = fc
      .tuple(
        fc.constantFrom('', '[', '('),
        fc.option(tsStr),
        fc.boolean(),
        fc.option(tsStr),
        fc.constantFrom('', ']', ')'),
      )
      .map(([o, a, sep, b, c]) => `${o}${a ?? ''}${sep ? `_${b ?? ''}` : ''}${c}`);
    fc.assert(
      fc.property(s, (x) => normalizeTimerange(normalizeTimerange(x)) === normalizeTimerange(x)),
    );
  });
});

describe('timerange predicates', () => {
  it('knows empty, eternity, bounded and instant ranges', () => {
    expect(isEmpty(EMPTY)).toBe(true);
    expect(isEmpty(tr('[2:0_1:0)'))).toBe(true);
    expect(isEmpty(tr('_'))).toBe(false);
    expect(isEternity(tr('_'))).toBe(true);
    expect(isEternity(tr('()'))).toBe(false);
    expect(isBounded(tr('[0:0_1:0)'))).toBe(true);
    expect(isBounded(tr('[0:0_'))).toBe(false);
    expect(isBounded(EMPTY)).toBe(false);
    expect(isInstant(tr('[10:0]'))).toBe(true);
    expect(isInstant(tr('[10:0_10:1)'))).toBe(true);
    expect(isInstant(tr('[0:999999999_1:0)'))).toBe(true); // one nanosecond across a second boundary
    expect(isInstant(tr('[10:0_10:2)'))).toBe(false);
    // Hand-built non-canonical empties are still empty.
    expect(isEmpty({ start: 5n, end: 1n, startInclusive: true, endInclusive: true })).toBe(true);
  });

  it('handles the segment edge case named by the spec: [1:0_2:0) then [2:0]', () => {
    expect(overlaps(tr('[1:0_2:0)'), tr('[2:0]'))).toBe(false);
    expect(overlaps(tr('[1:0_2:0]'), tr('[2:0]'))).toBe(true);
    expect(overlaps(tr('[2:0]'), tr('[2:0_3:0)'))).toBe(true);
    expect(overlaps(tr('[2:0]'), tr('(2:0_3:0)'))).toBe(false);
    expect(adjacentOrOverlapping(tr('[1:0_2:0)'), tr('[2:0]'))).toBe(true);
    expect(fmt(union(tr('[1:0_2:0)'), tr('[2:0]'))!)).toBe('[1:0_2:0]');
  });

  it.each([
    ['[0:0_10:0)', '[10:0_20:0)', false],
    ['[0:0_10:0]', '[10:0_20:0)', true],
    ['[0:0_10:0)', '(9:999999999_20:0)', false],
    ['[0:0_10:0)', '[9:999999999_20:0)', true],
    ['_', '()', false],
    ['_', '[5:0]', true],
    ['_0:0)', '[0:0_', false],
    ['_0:0]', '[0:0_', true],
    ['[-1:500000000_-1:0)', '[-1:0_0:0)', false],
    ['[-1:500000000_-0:500000000)', '[-1:0_0:0)', true],
  ])('overlaps(%s, %s) = %s', (a, b, expected) => {
    expect(overlaps(tr(a), tr(b))).toBe(expected);
    expect(overlaps(tr(b), tr(a))).toBe(expected);
  });

  it('orders negative timestamps as numbers (-1:500000000 < -1:0 < -0:500000000)', () => {
    const a = parseTimestamp('-1:500000000');
    const b = parseTimestamp('-1:0');
    const c = parseTimestamp('-0:500000000');
    expect(a < b && b < c && c < 0n).toBe(true);
    expect(containsTimestamp(tr('[-1:500000000_-1:0)'), parseTimestamp('-1:200000000'))).toBe(true);
    expect(duration(tr('[-1:500000000_-0:500000000)'))).toBe(S);
  });

  it('contains timestamps and ranges', () => {
    const r = tr('[0:0_10:0)');
    expect(contains(r, 0n)).toBe(true);
    expect(contains(r, 10n * S - 1n)).toBe(true);
    expect(contains(r, 10n * S)).toBe(false);
    expect(contains(r, -1n)).toBe(false);
    expect(contains(r, tr('[0:0_10:0)'))).toBe(true);
    expect(contains(r, tr('[0:0_9:999999999]'))).toBe(true);
    expect(contains(r, tr('[0:0_10:0]'))).toBe(false);
    expect(contains(r, tr('()'))).toBe(true);
    expect(contains(EMPTY, EMPTY)).toBe(true);
    expect(contains(EMPTY, tr('[1:0]'))).toBe(false);
    expect(contains(tr('_'), tr('[0:0_'))).toBe(true);
    expect(contains(tr('[0:0_'), tr('_'))).toBe(false);
    expect(contains(tr('(0:0_'), tr('[0:1_'))).toBe(true);
    expect(contains(tr('(0:0_'), tr('[0:0_'))).toBe(false);
    expect(contains(EMPTY, 0n)).toBe(false);
  });

  it('equals compares sets, not spellings', () => {
    expect(equals(tr('[0:0_10:0]'), tr('[0:0_10:1)'))).toBe(true);
    expect(equals(tr('(0:0_10:0)'), tr('[0:1_10:0)'))).toBe(true);
    expect(equals(tr('[0:0_10:0]'), tr('[0:0_10:0)'))).toBe(false);
    expect(equals(EMPTY, tr('[3:0_1:0)'))).toBe(true);
    expect(equals(EMPTY, tr('_'))).toBe(false);
  });
});

describe('timerange set algebra (properties)', () => {
  const pair = fc.tuple(smallRange, smallRange);

  it('membership agrees with the markers', () => {
    fc.assert(
      fc.property(smallRange, (r) => points.every((t) => containsTimestamp(r, t) === member(r, t))),
    );
  });

  it('isEmpty ⇔ no timestamp inside (bounded ranges in the window)', () => {
    const bounded = rangeOver(smallTs).filter((r) => r === EMPTY || (r.start !== null && r.end !== null));
    fc.assert(fc.property(bounded, (r) => isEmpty(r) === !points.some((t) => member(r, t))));
  });

  it('intersection is commutative, also structurally', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(intersection(a, b)).toEqual(intersection(b, a));
      }),
    );
    fc.assert(
      fc.property(fc.tuple(anyRange, anyRange), ([a, b]) => {
        expect(intersection(a, b)).toEqual(intersection(b, a));
      }),
    );
  });

  it('intersection is the set intersection', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const i = intersection(a, b);
        return points.every((t) => member(i, t) === (member(a, t) && member(b, t)));
      }),
    );
  });

  it('intersection is associative and idempotent, with EMPTY absorbing and ETERNITY neutral', () => {
    fc.assert(
      fc.property(smallRange, smallRange, smallRange, (a, b, c) =>
        equals(intersection(intersection(a, b), c), intersection(a, intersection(b, c))),
      ),
    );
    fc.assert(
      fc.property(anyRange, (a) => {
        expect(intersection(a, a)).toEqual(a);
        expect(intersection(a, EMPTY)).toEqual(EMPTY);
        expect(intersection(a, ETERNITY)).toEqual(a);
      }),
    );
  });

  it('overlaps ⇔ the intersection is not empty', () => {
    fc.assert(fc.property(pair, ([a, b]) => overlaps(a, b) === !isEmpty(intersection(a, b))));
    fc.assert(
      fc.property(fc.tuple(anyRange, anyRange), ([a, b]) => overlaps(a, b) === !isEmpty(intersection(a, b))),
    );
  });

  it('overlaps is symmetric and agrees with membership', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const viaPoints = points.some((t) => member(a, t) && member(b, t));
        return overlaps(a, b) === overlaps(b, a) && overlaps(a, b) === viaPoints;
      }),
    );
  });

  it('containment laws', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const i = intersection(a, b);
        expect(contains(a, i)).toBe(true);
        expect(contains(b, i)).toBe(true);
        expect(contains(a, b)).toBe(equals(intersection(a, b), b));
        expect(contains(a, a)).toBe(true);
        expect(contains(ETERNITY, a)).toBe(true);
        expect(contains(a, EMPTY)).toBe(true);
        if (contains(a, b) && contains(b, a)) expect(equals(a, b)).toBe(true);
        // For ranges inside the window, containment is subset-ness of members.
        if (a.start !== null && a.end !== null && b.start !== null && b.end !== null) {
          const subset = points.every((t) => !member(b, t) || member(a, t));
          expect(contains(a, b)).toBe(subset);
        }
      }),
    );
  });

  it('hull is the smallest range covering both', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const h = hull(a, b);
        expect(contains(h, a)).toBe(true);
        expect(contains(h, b)).toBe(true);
        expect(hull(a, b)).toEqual(hull(b, a));
        // smallest: its ends are ends of a or b
        if (!isEmpty(h)) {
          const hh = toHalfOpen(h);
          const ends = [a, b].filter((r) => !isEmpty(r)).map(toHalfOpen);
          expect(ends.some((e) => e.lo === hh.lo)).toBe(true);
          expect(ends.some((e) => e.hi === hh.hi)).toBe(true);
        }
      }),
    );
  });

  it('union is exact when it is a single range, null otherwise', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const u = union(a, b);
        const joinable = isEmpty(a) || isEmpty(b) || adjacentOrOverlapping(a, b);
        expect(u !== null).toBe(joinable);
        if (u !== null) {
          for (const t of points) expect(member(u, t)).toBe(member(a, t) || member(b, t));
        }
      }),
    );
  });

  it('difference is the set difference, in time order, disjoint pieces', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const d = difference(a, b);
        expect(d.length).toBeLessThanOrEqual(2);
        for (const piece of d) expect(isEmpty(piece)).toBe(false);
        if (d.length === 2) {
          expect(overlaps(d[0]!, d[1]!)).toBe(false);
          expect(compareTimeranges(d[0]!, d[1]!)).toBe(-1);
        }
        for (const t of points) {
          expect(d.some((p) => member(p, t))).toBe(member(a, t) && !member(b, t));
        }
      }),
    );
  });

  it('difference spells the cut bounds with the opposite clusivity', () => {
    expect(difference(tr('[0:0_10:0)'), tr('[2:0_3:0)')).map(fmt)).toEqual(['[0:0_2:0)', '[3:0_10:0)']);
    expect(difference(tr('[0:0_10:0)'), tr('(2:0_3:0]')).map(fmt)).toEqual(['[0:0_2:0]', '(3:0_10:0)']);
    expect(difference(tr('[0:0_10:0)'), tr('[0:0_5:0)')).map(fmt)).toEqual(['[5:0_10:0)']);
    expect(difference(tr('[0:0_10:0)'), tr('_'))).toEqual([]);
    expect(difference(tr('_'), tr('[0:0]')).map(fmt)).toEqual(['_0:0)', '(0:0_']);
  });

  it('shift moves membership', () => {
    fc.assert(
      fc.property(smallRange, fc.bigInt(-5n, 5n), (r, d) => {
        const s = shift(r, d);
        return points.every((t) => member(s, t + d) === member(r, t));
      }),
    );
    expect(fmt(shift(tr('[10:0_20:0)'), -parseTimestamp('-100:0')))).toBe('[110:0_120:0)');
  });

  it('compareTimeranges is a consistent total order', () => {
    fc.assert(
      fc.property(smallRange, smallRange, smallRange, (a, b, c) => {
        expect(compareTimeranges(a, b)).toBe(-compareTimeranges(b, a) || 0);
        if (compareTimeranges(a, b) <= 0 && compareTimeranges(b, c) <= 0) {
          expect(compareTimeranges(a, c)).toBeLessThanOrEqual(0);
        }
        expect(compareTimeranges(a, b) === 0).toBe(equals(a, b));
      }),
    );
  });

  it('hullAll covers a list of segments (a Flow timerange)', () => {
    expect(fmt(hullAll([]))).toBe('()');
    expect(
      fmt(hullAll(['[10:0_20:0)', '[0:0_10:0)', '[20:0]', '()'].map(tr))),
    ).toBe('[0:0_20:0]');
  });

  it('keeps spellings through intersection and hull, resolving ties symmetrically', () => {
    expect(fmt(intersection(tr('[0:0_10:0]'), tr('[5:0_20:0)')))).toBe('[5:0_10:0]');
    expect(fmt(intersection(tr('(5:0_'), tr('[0:0_10:0)')))).toBe('(5:0_10:0)');
    expect(fmt(intersection(tr('[0:1_'), tr('(0:0_')))).toBe('[0:1_');
    expect(fmt(intersection(tr('_0:1)'), tr('_0:0]')))).toBe('_0:1)');
    expect(fmt(hull(tr('[0:0_1:0)'), tr('[5:0_6:0]')))).toBe('[0:0_6:0]');
    expect(fmt(hull(tr('(5:0_'), tr('[0:0]')))).toBe('[0:0_');
    expect(fmt(intersection(tr('[0:0_10:0)'), tr('[10:0_20:0)')))).toBe('()');
  });
});

describe('SQL helpers', () => {
  it('gives half-open int8 bounds', () => {
    expect(toSqlBounds(tr('[0:0_10:0)'))).toEqual({ lower: 0n, upper: 10n * S });
    expect(toSqlBounds(tr('[0:0_10:0]'))).toEqual({ lower: 0n, upper: 10n * S + 1n });
    expect(toSqlBounds(tr('(0:0_10:0)'))).toEqual({ lower: 1n, upper: 10n * S });
    expect(toSqlBounds(tr('[10:0]'))).toEqual({ lower: 10n * S, upper: 10n * S + 1n });
    expect(toSqlBounds(tr('_'))).toEqual({ lower: null, upper: null });
    expect(toSqlBounds(tr('(5:0_'))).toEqual({ lower: 5n * S + 1n, upper: null });
    expect(toSqlBounds(tr('()'))).toBeNull();
  });

  it('prints int8range literals', () => {
    expect(toPgRangeLiteral(tr('[0:0_10:0)'))).toBe('[0,10000000000)');
    expect(toPgRangeLiteral(tr('[-1:500000000_0:0]'))).toBe('[-1500000000,1)');
    expect(toPgRangeLiteral(tr('(5:0_'))).toBe('[5000000001,)');
    expect(toPgRangeLiteral(tr('_10:0)'))).toBe('(,10000000000)');
    expect(toPgRangeLiteral(tr('_'))).toBe('(,)');
    expect(toPgRangeLiteral(tr('()'))).toBe('empty');
  });

  it('refuses values beyond int8 unless clamping', () => {
    const huge = formatTimestamp(INT8_MAX);
    expect(() => toSqlBounds(tr(`[0:0_${huge}]`))).toThrow(TimerangeError); // hi = INT8_MAX + 1
    expect(toSqlBounds(tr(`[0:0_${huge})`))).toEqual({ lower: 0n, upper: INT8_MAX });
    expect(toSqlBounds(tr(`[0:0_${huge}]`), { clamp: true })).toEqual({ lower: 0n, upper: null });
    expect(toSqlBounds(tr('[-9999999999:0_0:0)'), { clamp: true })).toEqual({ lower: null, upper: 0n });
    expect(toSqlBounds(tr('[9999999999:0_'), { clamp: true })).toBeNull();
    expect(toSqlBounds(tr('_-9999999999:0]'), { clamp: true })).toBeNull();
    expect(toSqlBounds(tr(`[${formatTimestamp(INT8_MIN)}_0:0)`))).toEqual({ lower: INT8_MIN, upper: 0n });
    try {
      toSqlBounds(tr('[9999999999:0_'));
    } catch (e) {
      expect((e as TimerangeError).code).toBe('out_of_range');
    }
  });

  it('clamped bounds select exactly the int8 timestamps of the range', () => {
    fc.assert(
      fc.property(rangeOver(fc.oneof(anyTs, fc.constantFrom(INT8_MAX, INT8_MIN, INT8_MAX + 1n, INT8_MIN - 1n))), (r) => {
        const b = toSqlBounds(r, { clamp: true });
        for (const t of [INT8_MIN, INT8_MIN + 1n, -1n, 0n, 1n, INT8_MAX - 1n, INT8_MAX]) {
          const inSql = b !== null && (b.lower === null || b.lower <= t) && (b.upper === null || t < b.upper);
          expect(inSql).toBe(containsTimestamp(r, t));
        }
      }),
    );
  });

  it('round-trips through half-open columns plus the stored spelling', () => {
    fc.assert(
      fc.property(anyRange, (r) => {
        const h = toHalfOpen(r);
        const back = fromHalfOpen(h, { startInclusive: r.startInclusive || r.start === null, endInclusive: r.endInclusive });
        expect(back).toEqual(r);
        expect(equals(fromHalfOpen(h), r)).toBe(true);
      }),
    );
    expect(fmt(fromHalfOpen({ lo: 0n, hi: 10n * S }))).toBe('[0:0_10:0)');
    expect(fmt(fromHalfOpen({ lo: 2n * S, hi: 2n * S + 1n }, { endInclusive: true }))).toBe('[2:0]');
    expect(fromHalfOpen({ lo: 5n, hi: 5n })).toEqual(EMPTY);
  });
});

describe('rationals (segment_duration, frame_rate)', () => {
  it('parses {numerator, denominator?} as the spec defines it', () => {
    expect(parseRational({ numerator: 25 })).toEqual({ numerator: 25n, denominator: 1n });
    expect(parseRational({ numerator: 30000, denominator: 1001 })).toEqual({ numerator: 30000n, denominator: 1001n });
    expect(() => parseRational({ numerator: 0 })).toThrow('numerator must be > 0');
    expect(() => parseRational({ numerator: 1, denominator: 0 })).toThrow('denominator must be > 0');
    expect(() => parseRational({ numerator: 1.5 })).toThrow('numerator must be an integer');
    expect(() => parseRational('25', 'frame_rate')).toThrow('invalid frame_rate: expected an object');
    expect(() => parseRational(null)).toThrow(TimerangeError);
  });

  it('converts durations in seconds to nanoseconds exactly or with explicit rounding', () => {
    expect(rationalSecondsToNanoseconds({ numerator: 10n, denominator: 1n })).toBe(10n * S);
    expect(rationalSecondsToNanoseconds({ numerator: 1001n, denominator: 500n })).toBe(2_002_000_000n);
    expect(() => rationalSecondsToNanoseconds({ numerator: 1n, denominator: 3n })).toThrow(TimerangeError);
    expect(rationalSecondsToNanoseconds({ numerator: 1n, denominator: 3n }, 'floor')).toBe(333_333_333n);
    expect(rationalSecondsToNanoseconds({ numerator: 2n, denominator: 3n }, 'nearest')).toBe(666_666_667n);
    expect(rationalSecondsToNanoseconds({ numerator: 1n, denominator: 3n }, 'ceil')).toBe(333_333_334n);
  });

  it('maps sample counts to timestamps and back', () => {
    const ntsc = { numerator: 30000n, denominator: 1001n };
    expect(countToTimestamp(1n, { numerator: 25n, denominator: 1n })).toBe(40_000_000n);
    expect(formatTimestamp(countToTimestamp(26n, { numerator: 25n, denominator: 1n }))).toBe('1:40000000');
    expect(countToTimestamp(1n, ntsc)).toBe(33_366_666n);
    expect(countToTimestamp(-1n, ntsc)).toBe(-33_366_667n);
    expect(timestampToCount(33_366_666n, ntsc)).toBe(1n);
    expect(timestampToCount(33_366_666n, ntsc, 'floor')).toBe(0n);
    const rate = fc
      .tuple(fc.bigInt(1n, 1_000_000n), fc.bigInt(1n, 1001n))
      .map(([numerator, denominator]) => ({ numerator, denominator }));
    fc.assert(
      fc.property(fc.bigInt(-(1n << 40n), 1n << 40n), rate, (n, r) => {
        const ts = countToTimestamp(n, r);
        expect(timestampToCount(ts, r, 'ceil')).toBe(n);
        expect(timestampToCount(ts, r, 'nearest')).toBe(n);
        // monotonic
        expect(countToTimestamp(n + 1n, r) > ts).toBe(true);
      }),
    );
  });
});
