// Valid requests with one place made hostile: what a hurried client or a bad template sends far more
// often than a body wrong from its first field, and the only way a fuzzer gets past validation to
// the handlers, the SQL and the events behind it. Used by api-fuzz.e2e-spec.ts.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** An instant on the hour, `hours` from now, as a client writes it. */
export const hoursFromNow = (hours: number): string => new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + hours * 3_600_000).toISOString().replace('.000Z', 'Z');

/**
 * What replaces one place: each kind of value a field could wrongly get, and the edges of the right
 * kind (the first and last instants kept, run numbers past PostgreSQL's integer, rules that expand
 * without end, time zones that move by half hours, lists at and past their limits).
 */
export function hostileValues(): Json[] {
  return [
    null, true, 0, -1, 1.5, 1e308, -1e308, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 1e-300,
    '', ' ', '\u0000', '\ud800', 'ß'.repeat(300), 'x'.repeat(5_000), '\u202e', '😀', 'a\nb', "'; DROP TABLE x; --",
    '0000-06-01T00:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '9999-12-31T23:59:59.999Z', '2026-02-29T00:00:00Z',
    '2026-06-14T21:00:00+14:00', '2026-06-14T21:00:00-23:59', '+275760-09-13T00:00:00Z', '2026-06-14T21:00:00.123456789Z', '2026-06-14',
    hoursFromNow(-48), hoursFromNow(1), hoursFromNow(24 * 729), hoursFromNow(24 * 731), hoursFromNow(24 * 3_650),
    'IR', 'ZZ', 'eu-west', 'x-'.repeat(40), 'UTC', 'Etc/GMT+12', 'Asia/Teheran', 'Pacific/Kiritimati', 'Australia/Lord_Howe',
    'FREQ=MINUTELY', 'FREQ=HOURLY', 'FREQ=HOURLY;COUNT=1000000', 'FREQ=DAILY;COUNT=0', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', 'FREQ=DAILY;UNTIL=99991231T000000Z',
    'FREQ=WEEKLY;INTERVAL=0', 'FREQ=WEEKLY;INTERVAL=1000000000', 'FREQ=YEARLY;BYSETPOS=-1;BYDAY=MO', 'FREQ=DAILY;BYHOUR=25', 'FREQ=MONTHLY;BYMONTHDAY=-31',
    'http://127.0.0.1:9/x', 'http://[::1]:9/', 'https://user:pass@example.invalid/', `http://a/${'x'.repeat(3_000)}`, 'javascript:alert(1)',
    'whsec_', 'whsec_AAAA', 'Basic Og==',
    [], [null], ['IR', 'IR'], Array.from({ length: 300 }, (_, index) => `r${index}`), Array.from({ length: 5_000 }, () => 'IR'), {}, { a: 1 }, [[[[[[[[[[]]]]]]]]]],
  ];
}

/** Every body with one place changed: each value (leaf, list or object) replaced by each hostile value, each field left out, a field added. */
export function oneFieldChanged(body: Json, values: readonly Json[] = hostileValues()): { where: string; body: Json }[] {
  const changed: { where: string; body: Json }[] = [];
  const visit = (value: Json, path: (string | number)[]) => {
    for (const replacement of values) changed.push({ where: `${path.join('.') || '(body)'} = ${JSON.stringify(replacement).slice(0, 80)}`, body: withValueAt(body, path, replacement) });
    if (Array.isArray(value)) value.forEach((item, index) => visit(item, [...path, index]));
    else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        visit(item, [...path, key]);
        changed.push({ where: `${[...path, key].join('.')} left out`, body: withValueAt(body, [...path, key], undefined) });
      }
      changed.push({ where: `${[...path, 'unexpected'].join('.')} added`, body: withValueAt(body, [...path, 'unexpected'], 1) });
    }
  };
  visit(body, []);
  return changed;
}

function withValueAt(body: Json, path: readonly (string | number)[], value: Json | undefined): Json {
  if (path.length === 0) return value ?? null;
  const copy = structuredClone(body) as Record<string | number, Json>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy;
}
