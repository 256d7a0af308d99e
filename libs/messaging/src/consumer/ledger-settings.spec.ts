import { describe, expect, it } from 'vitest';
import { ledgerEnvironmentSchema, ledgerSettingsFrom } from './ledger-settings';

describe('PROCESSED_EVENT_RETENTION_DAYS', () => {
  it('keeps ledger rows 7 days by default', () => {
    expect(ledgerSettingsFrom(ledgerEnvironmentSchema.parse({}))).toEqual({ retentionMs: 7 * 86_400_000 });
    expect(ledgerSettingsFrom(ledgerEnvironmentSchema.parse({ PROCESSED_EVENT_RETENTION_DAYS: '30' }))).toEqual({ retentionMs: 30 * 86_400_000 });
  });

  it('refuses a retention the topics outlive, saying why', () => {
    const result = ledgerEnvironmentSchema.safeParse({ PROCESSED_EVENT_RETENTION_DAYS: '5' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toBe("must be a number of days > 5 (Holdfast's topics keep their messages 5 days), or a redelivered event could be applied twice");
    expect(ledgerEnvironmentSchema.safeParse({ PROCESSED_EVENT_RETENTION_DAYS: '7.5' }).data).toEqual({ PROCESSED_EVENT_RETENTION_DAYS: 7.5 });
    expect(ledgerEnvironmentSchema.safeParse({ PROCESSED_EVENT_RETENTION_DAYS: '1e1' }).error?.issues[0].message).toBe('must be a number of days > 5, written in decimal digits (such as 2.5)');
  });
});
