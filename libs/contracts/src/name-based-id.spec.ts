import fc from 'fast-check';
import { v5 as uuidv5 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { nameBasedIds } from './name-based-id';
import { OUTSIDE_EVENT_NAMESPACE as NAMESPACE } from './outside-intake';

describe('nameBasedIds', () => {
  const idOf = nameBasedIds(NAMESPACE);

  it('gives the UUIDv5 the uuid package gives, for any name, multi-byte characters included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (name) => idOf(name) === uuidv5(name, NAMESPACE)),
      { numRuns: 2_000 },
    );
  });

  it('matches RFC 9562 for a known name (the DNS namespace, "www.example.com")', () => {
    expect(nameBasedIds('6ba7b810-9dad-11d1-80b4-00c04fd430c8')('www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => nameBasedIds('not-a-uuid')).toThrow();
  });
});
