import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CreateWindowSchema, UpdateWindowSchema } from './window-request.schema';

// Many clients write an absent field as null: PATCH took `recurrence: null` as one-off, and POST refused it.
describe('a window planned with recurrence null', () => {
  const window = { title: 'Router upgrade', ownerTeam: 'network-ops', footprint: { global: false, regions: ['IR'] }, startsAt: '2026-06-15T10:00:00Z', endsAt: '2026-06-15T11:00:00Z', plannedZone: 'UTC' };
  const issues = (body: object) => CreateWindowSchema.safeParse(body).error?.issues.map((issue) => [issue.path.join('.'), issue.message]);

  it('is a one-off window, planned as one without the field', () => {
    const parsed = CreateWindowSchema.safeParse({ ...window, recurrence: null });
    expect(parsed.error).toBeUndefined();
    expect(parsed.data?.recurrence).toBeUndefined();
    expect(parsed.data).toEqual(CreateWindowSchema.parse(window));
  });

  it('refuses exdates with it, as it refuses them without the field', () => {
    const refused = [['exdates', 'only a recurring window has exdates']];
    expect(issues({ ...window, recurrence: null, exdates: ['2026-06-16T10:00:00Z'] })).toEqual(refused);
    expect(issues({ ...window, exdates: ['2026-06-16T10:00:00Z'] })).toEqual(refused);
  });

  it('still takes a rule, and refuses one it cannot recur by', () => {
    expect(CreateWindowSchema.parse({ ...window, recurrence: 'freq=weekly;byday=mo' }).recurrence).toBe('FREQ=WEEKLY;BYDAY=MO');
    expect(issues({ ...window, recurrence: 'FREQ=MINUTELY' })?.[0]?.[0]).toBe('recurrence');
  });

  it('says so in the OpenAPI document, for POST and PATCH alike', () => {
    const recurrenceOf = (schema: z.ZodType) => (z.toJSONSchema(schema, { io: 'input' }) as { properties: Record<string, { description?: string; anyOf?: { type?: string }[] }> }).properties.recurrence;
    for (const schema of [CreateWindowSchema, UpdateWindowSchema]) {
      const recurrence = recurrenceOf(schema);
      expect(recurrence.anyOf?.map((one) => one.type)).toContain('null');
      expect(recurrence.description).toMatch(/null.*one-off/i);
    }
  });
});
