import { describe, expect, it } from 'vitest';
import { MetricsRegistry, timeZoneRules } from './metrics.registry';

describe('MetricsRegistry', () => {
  it('says which time zone rules the process judges local times by, as Node reports them', async () => {
    const metrics = await new MetricsRegistry('spec-service', false).registry.metrics();

    expect(timeZoneRules()).toEqual({ tzdata: process.versions.tz, icu: process.versions.icu });
    expect(process.versions.tz).toMatch(/^\d{4}[a-z]$/);
    expect(metrics).toContain(`holdfast_time_zone_rules_info{tzdata="${process.versions.tz}",icu="${process.versions.icu}",service="spec-service"} 1`);
  });
});
