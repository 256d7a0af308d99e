import { describe, expect, it } from 'vitest';
import { uniqueTestId } from './unique-test-id';

describe('uniqueTestId', () => {
  it('is lowercase and valid in a Kafka topic name', () => {
    const id = uniqueTestId('Holds Relay / Outbox_Spec');
    expect(id).toMatch(/^holds-relay-outbox-spec-[a-z0-9]+-[0-9a-f]{6}$/);
    expect(`${id}.maintenance.holds.v1`).toMatch(/^[a-z0-9._-]{1,249}$/);
  });

  it('differs on every call', () => {
    const ids = new Set(Array.from({ length: 100 }, () => uniqueTestId('same')));
    expect(ids.size).toBe(100);
  });

  it('survives a label with nothing usable in it', () => {
    expect(uniqueTestId('///')).toMatch(/^test-/);
  });
});
