import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseEnvironment } from './parse-environment';

describe('parseEnvironment', () => {
  const schema = z.object({
    RATE_PER_MINUTE: z.coerce.number().int().min(0).default(1_200),
    NAME: z.string().default('planner'),
  });

  it('reads an empty or blank variable as unset, so its default applies instead of a number read as 0', () => {
    expect(parseEnvironment('spec', schema, { RATE_PER_MINUTE: '', NAME: '  ' })).toEqual({ RATE_PER_MINUTE: 1_200, NAME: 'planner' });
    expect(parseEnvironment('spec', schema, { RATE_PER_MINUTE: '0' })).toMatchObject({ RATE_PER_MINUTE: 0 });
  });

  it('stops on a bad value, naming the variable and what to do', () => {
    expect(() => parseEnvironment('spec', schema, { RATE_PER_MINUTE: 'fast' })).toThrow(/^spec: invalid configuration:\n {2}RATE_PER_MINUTE: .*\nFix the variables above/);
  });
});
