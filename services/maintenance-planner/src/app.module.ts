import { Topics } from '@holdfast/contracts';
import { defineService } from '@holdfast/service-kit';
import { AuditEntryEntity } from './audit/audit-entry.entity';
import { CalendarsModule } from './calendars/calendars.module';
import { plannerEnvironment, plannerSettings } from './config/planner-settings';
import { CreateHoldAndAudit1764000100000 } from './database/migrations/1764000100000-create-hold-and-audit';
import { CreateWindowsOccurrences1764000200000 } from './database/migrations/1764000200000-create-windows-occurrences';
import { HoldEntity } from './holds/hold.entity';
import { CreateApiKey1764000300000 } from './database/migrations/1764000300000-create-api-key';
import { HoldMembershipKeys1764710000000 } from './database/migrations/1764710000000-hold-membership-keys';
import { OccurrenceHeldFromLinks1764800000000 } from './database/migrations/1764800000000-occurrence-held-from-links';
import { HoldLinksByHoldInForce1764900000000 } from './database/migrations/1764900000000-hold-links-by-hold-in-force';
import { OccurrenceScheduledByEnd1765000000000 } from './database/migrations/1765000000000-occurrence-scheduled-by-end';
import { HoldSetVersion1765100000000 } from './database/migrations/1765100000000-hold-set-version';
import { HoldAnnouncement1765900000000 } from './database/migrations/1765900000000-hold-announcement';
import { ListPagesInKeyOrder1766300000000 } from './database/migrations/1766300000000-list-pages-in-key-order';
import { WindowTimesToTheMillisecond1766400000000 } from './database/migrations/1766400000000-window-times-to-the-millisecond';
import { RunTurnsDated1766700000000 } from './database/migrations/1766700000000-run-turns-dated';
import { SurgeClearanceRecordedAt1766800000000 } from './database/migrations/1766800000000-surge-clearance-recorded-at';
import { HoldSetVersionOnReleaseDue1766900000000 } from './database/migrations/1766900000000-hold-set-version-on-release-due';
import { HoldClearanceRecorded1767100000000 } from './database/migrations/1767100000000-hold-clearance-recorded';
import { HoldChain1767600000000 } from './database/migrations/1767600000000-hold-chain';
import { KeyCopyFromIssuedKeys1767700000000 } from './database/migrations/1767700000000-key-copy-from-issued-keys';
import { PlannedZonesCanonical1767800000000 } from './database/migrations/1767800000000-planned-zones-canonical';
import { HoldAnnouncementOneShape1767950000000 } from './database/migrations/1767950000000-hold-announcement-one-shape';
import { AuditBySubject1768000000000 } from './database/migrations/1768000000000-audit-by-subject';
import { HoldVersion1768200000000 } from './database/migrations/1768200000000-hold-version';
import { HoldLinksInWindowOrder1768300000000 } from './database/migrations/1768300000000-hold-links-in-window-order';
import { ZoneRulesRelease1768400000000 } from './database/migrations/1768400000000-zone-rules-release';
import { PlannedLocalStart1768500000000 } from './database/migrations/1768500000000-planned-local-start';
import { HoldClearedReason1768600000000 } from './database/migrations/1768600000000-hold-cleared-reason';
import { OccurrenceHoldableByTime1768700000000 } from './database/migrations/1768700000000-occurrence-holdable-by-time';
import { HoldLinksInRunOrder1769100200000 } from './database/migrations/1769100200000-hold-links-in-run-order';
import { HoldStartEvidence1769100300000 } from './database/migrations/1769100300000-hold-start-evidence';
import { HoldSignalLoss1769200200000 } from './database/migrations/1769200200000-hold-signal-loss';
import { GateHealthCheck } from './gate/gate-health.check';
import { SurgeLogWatchModule } from './gate/surge-log-watch.module';
import { HoldsModule } from './holds/holds.module';
import { ApiKeyEntity } from './keys/api-key.entity';
import { KeysModule } from './keys/keys.module';
import { OccurrencesModule } from './occurrences/occurrences.module';
import { RegionsModule } from './regions/regions.module';
import { SERVICE_NAME } from './service-name';

/** The maintenance-planner: windows, holds on them, the gate, least-impact slots. */
export const plannerService = defineService({
  name: SERVICE_NAME,
  description: 'Plans maintenance windows and holds them away from surging regions.',
  schema: 'maintenance_planner',
  defaultPort: 3001,
  environment: plannerEnvironment,
  settings: plannerSettings,
  topics: [Topics.regionSurges, Topics.regionBaselines, Topics.maintenanceWindows, Topics.maintenanceHolds],
  entities: [HoldEntity, AuditEntryEntity, ApiKeyEntity],
  migrations: [CreateHoldAndAudit1764000100000, CreateWindowsOccurrences1764000200000, CreateApiKey1764000300000, HoldMembershipKeys1764710000000, OccurrenceHeldFromLinks1764800000000, HoldLinksByHoldInForce1764900000000, OccurrenceScheduledByEnd1765000000000, HoldSetVersion1765100000000, HoldAnnouncement1765900000000, ListPagesInKeyOrder1766300000000, WindowTimesToTheMillisecond1766400000000, RunTurnsDated1766700000000, SurgeClearanceRecordedAt1766800000000, HoldSetVersionOnReleaseDue1766900000000, HoldClearanceRecorded1767100000000, HoldChain1767600000000, KeyCopyFromIssuedKeys1767700000000, PlannedZonesCanonical1767800000000, HoldAnnouncementOneShape1767950000000, AuditBySubject1768000000000, HoldVersion1768200000000, HoldLinksInWindowOrder1768300000000, ZoneRulesRelease1768400000000, PlannedLocalStart1768500000000, HoldClearedReason1768600000000, OccurrenceHoldableByTime1768700000000, HoldLinksInRunOrder1769100200000, HoldStartEvidence1769100300000, HoldSignalLoss1769200200000],
  modules: [RegionsModule, SurgeLogWatchModule, HoldsModule, KeysModule, CalendarsModule, OccurrencesModule],
  healthChecks: [GateHealthCheck],
  // The planner issues the keys: it writes its own copy as it does, and trusts no key state from Kafka.
  keysConsumerGroup: null,
});
