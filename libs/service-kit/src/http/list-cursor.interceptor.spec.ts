import { describe, expect, it } from 'vitest';
import { listScope } from './list-cursor.interceptor';

describe("a list's scope, which its cursors carry", () => {
  it('is the path and every parameter but the cursor and the page size, whatever their order', () => {
    const scope = listScope('/v1/holds?region=IR&active=true');
    expect(listScope('/v1/holds?active=true&limit=5&region=IR&cursor=abc')).toBe(scope);
    expect(listScope('/v1/holds?region=NP&active=true')).not.toBe(scope);
    expect(listScope('/v1/holds?region=IR')).not.toBe(scope);
    expect(listScope('/v1/audit?region=IR&active=true')).not.toBe(scope);
  });

  it("tells one window's runs from another's, and a repeated parameter's values apart from one value", () => {
    expect(listScope('/v1/windows/0190a7d1-0000-7abc-8def-0123456789ab/occurrences')).not.toBe(listScope('/v1/windows/0190a7d1-0000-7abc-8def-0123456789ac/occurrences'));
    expect(listScope('/v1/deliveries?status=failed&status=dead')).toBe(listScope('/v1/deliveries?status=dead&status=failed'));
    expect(listScope('/v1/deliveries?status=failed&status=dead')).not.toBe(listScope('/v1/deliveries?status=failed,dead'));
  });
});
