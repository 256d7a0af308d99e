import { ConsumerGroups, Topics } from '@holdfast/contracts';
import { defineService } from '@holdfast/service-kit';
import { AlertsModule } from './alerts/alerts.module';
import { BaselinesModule } from './baselines/baselines.module';
import { analyzerChecks, analyzerEnvironment, analyzerSettings } from './config/analyzer-settings';
import { CreateSurge1764000100000 } from './database/migrations/1764000100000-create-surge';
import { DetectorStateAlertsDeclarations1764000200000 } from './database/migrations/1764000200000-detector-state-alerts-declarations';
import { SeriesBaselineBuckets1764000300000 } from './database/migrations/1764000300000-series-baseline-buckets';
import { AlertResolvedLookup1764000400000 } from './database/migrations/1764000400000-alert-resolved-lookup';
import { AlertFiringLookup1764000500000 } from './database/migrations/1764000500000-alert-firing-lookup';
import { DeclarationVersion1768200000000 } from './database/migrations/1768200000000-declaration-version';
import { SurgeClearedReason1768700000000 } from './database/migrations/1768700000000-surge-cleared-reason';
import { AlertNotificationEndsAt1768800000000 } from './database/migrations/1768800000000-alert-notification-ends-at';
import { SurgeCorrelation1769200100000 } from './database/migrations/1769200100000-surge-correlation';
import { DeclarationEntity } from './declarations/declaration.entity';
import { DeclarationsModule } from './declarations/declarations.module';
import { JobsModule } from './jobs/jobs.module';
import { PrometheusModule } from './prometheus/prometheus.module';
import { RegionsModule } from './regions/regions.module';
import { SamplesModule } from './samples/samples.module';
import { SeriesStateEntity } from './samples/series-state.entity';
import { SeriesModule } from './series/series.module';
import { SERVICE_NAME } from './service-name';
import { SurgeEntity } from './surges/surge.entity';
import { SurgesModule } from './surges/surges.module';

/** The impact-analyzer: traffic and alerts in, surges and baselines out. */
export const analyzerService = defineService({
  name: SERVICE_NAME,
  description: 'Watches traffic per region and the alerts that fire; publishes surges and baselines.',
  schema: 'impact_analyzer',
  defaultPort: 3002,
  environment: analyzerEnvironment,
  checks: analyzerChecks,
  settings: analyzerSettings,
  topics: [Topics.trafficSamples, Topics.regionSurges, Topics.regionSignals, Topics.regionBaselines],
  entities: [SurgeEntity, SeriesStateEntity, DeclarationEntity],
  migrations: [CreateSurge1764000100000, DetectorStateAlertsDeclarations1764000200000, SeriesBaselineBuckets1764000300000, AlertResolvedLookup1764000400000, AlertFiringLookup1764000500000, DeclarationVersion1768200000000, SurgeClearedReason1768700000000, AlertNotificationEndsAt1768800000000, SurgeCorrelation1769200100000],
  modules: [RegionsModule, SurgesModule, BaselinesModule, SamplesModule, SeriesModule, AlertsModule, DeclarationsModule, JobsModule, PrometheusModule],
  keysConsumerGroup: ConsumerGroups.analyzerKeys,
});
