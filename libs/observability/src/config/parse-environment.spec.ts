import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decimalVariable, parseEnvironment, unquotedVariables } from './parse-environment';

const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the environment was accepted');
};

describe('parseEnvironment', () => {
  const schema = z.object({
    RATE_PER_MINUTE: decimalVariable({ whole: true, min: 0 }).default(1_200),
    NAME: z.string().default('planner'),
    // The services word zod's issues with an error map; here the schema does.
    LEVEL: z.enum(['info', 'debug'], { error: 'must be one of info, debug' }).default('info'),
    SERVER_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    TOKEN: z.string().min(16, 'must be at least 16 characters').optional().register(unquotedVariables, { instead: 'a secret, not shown' }),
    PARTNER: z.string().optional(),
  });

  it('reads an empty or blank variable as unset, so its default applies instead of a number read as 0', () => {
    expect(parseEnvironment('spec', schema, { RATE_PER_MINUTE: '', NAME: '  ' })).toMatchObject({ RATE_PER_MINUTE: 1_200, NAME: 'planner' });
    expect(parseEnvironment('spec', schema, { RATE_PER_MINUTE: '0' })).toMatchObject({ RATE_PER_MINUTE: 0 });
  });

  it('stops on a bad value, naming the variable, quoting the value read and saying what is wanted', () => {
    expect(() => parseEnvironment('spec', schema, { RATE_PER_MINUTE: 'fast', LEVEL: 'verbose' })).toThrow(
      'spec: invalid configuration:\n  RATE_PER_MINUTE="fast": must be a whole number ≥ 0, written in decimal digits\n  LEVEL="verbose": must be one of info, debug\nFix the variables above (README.md lists each with its default).',
    );
  });

  it('never quotes a secret, nor the password of a URL, even one too broken to parse', () => {
    const secret = 'hunter2-hunter2';
    const said = refusal(() => parseEnvironment('spec', schema, { TOKEN: secret }));
    expect(said).toContain('\n  TOKEN (a secret, not shown): must be at least 16 characters\n');
    expect(said).not.toContain(secret);
    for (const [url, shown] of [
      [`ftp://ops:${secret}@files:21/x`, 'ftp://ops:***@files:21/x'],
      [`ftp://ops:p@${secret}@files`, 'ftp://ops:***@files'],
      [`ops:${secret}@prometheus:9090`, 'ops:***@prometheus:9090'],
      [`ftp://files/x?user=ops&password=${secret}`, 'ftp://files/x?user=ops&password=***'],
    ]) {
      const urlSaid = refusal(() => parseEnvironment('spec', schema, { SERVER_URL: url }));
      expect(urlSaid).toContain(`\n  SERVER_URL=${JSON.stringify(shown)}: must be an http:// or https:// URL\n`);
      expect(urlSaid).not.toContain(secret);
    }
  });

  it('says a variable a cross-field rule wants is unset, and cuts a long value short', () => {
    const paired = schema.superRefine((env, context) => {
      if (env.NAME === 'partnered' && !env.PARTNER) context.addIssue({ code: 'custom', path: ['PARTNER'], message: 'is required when NAME is partnered' });
    });
    expect(refusal(() => parseEnvironment('spec', paired, { NAME: 'partnered' }))).toContain('\n  PARTNER (unset): is required when NAME is partnered\n');
    expect(refusal(() => parseEnvironment('spec', schema, { LEVEL: 'x'.repeat(500) }))).toContain(`\n  LEVEL="${'x'.repeat(120)}…": must be one of info, debug\n`);
  });

  it('says its notes along with the refusals, and nothing when the environment is good', () => {
    const notes = ['NAEM is not a variable spec reads, so it is ignored; did you mean NAME?'];
    expect(refusal(() => parseEnvironment('spec', schema, { LEVEL: 'loud' }, { notes }))).toMatch(/\n {2}LEVEL="loud": must be one of info, debug\n {2}NAEM is not a variable spec reads, so it is ignored; did you mean NAME\?\nFix the variables above/);
    expect(parseEnvironment('spec', schema, {}, { notes })).toMatchObject({ NAME: 'planner' });
  });
});

describe('decimalVariable', () => {
  const parse = (schema: z.ZodType, text: string) => {
    const parsed = schema.safeParse(text);
    return parsed.success ? parsed.data : parsed.error.issues[0].message;
  };
  const minutes = decimalVariable({ unit: 'minutes', min: 0, max: 1_440 });
  const days = decimalVariable({ whole: true, unit: 'days', min: 1, max: 3_650 });

  it('reads plain decimal: digits, and a point where fractions are taken', () => {
    expect(parse(minutes, '30')).toBe(30);
    expect(parse(minutes, '0')).toBe(0);
    expect(parse(minutes, '2.5')).toBe(2.5);
    expect(parse(minutes, '030')).toBe(30);
    expect(parse(days, '3650')).toBe(3_650);
  });

  it('refuses what Number() would also read as a number (hex, binary, octal, exponents, signs, white space), saying what is wanted', () => {
    for (const text of ['0x1e', '0b11110', '0o36', '3e1', '1e3', '+30', '-0', ' 30', '30 ', '30\n', '.5', '5.', 'Infinity', 'NaN', '30_000', '1,5', 'ten']) {
      expect(parse(minutes, text), text).toBe('must be a number of minutes from 0 to 1440, written in decimal digits (such as 2.5)');
    }
    expect(parse(days, '2.5')).toBe('must be a whole number of days from 1 to 3650, written in decimal digits');
    expect(parse(days, '0x10')).toBe('must be a whole number of days from 1 to 3650, written in decimal digits');
  });

  it('says the whole range for a value outside it, and why where the bound has a reason', () => {
    expect(parse(minutes, '1441')).toBe('must be a number of minutes from 0 to 1440');
    expect(parse(days, '0')).toBe('must be a whole number of days from 1 to 3650');
    expect(parse(decimalVariable({ unit: 'hours', above: 0 }), '0')).toBe('must be a number of hours > 0');
    expect(parse(decimalVariable({ whole: true, unit: 'bytes', min: 1_024 }), '1023')).toBe('must be a whole number of bytes ≥ 1024');
    expect(parse(decimalVariable({ whole: true, min: 0 }), '9007199254740993')).toBe('must be a whole number ≥ 0');
    expect(parse(decimalVariable({ unit: 'days', above: 5, max: 30, because: '(the topics keep 5)' }), '5')).toBe('must be a number of days > 5 and ≤ 30 (the topics keep 5)');
  });
});
