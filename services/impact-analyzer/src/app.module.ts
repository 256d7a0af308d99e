import { ConsumerGroups, Topics } from '@holdfast/contracts';
import { defineService } from '@holdfast/service-kit';
import { analyzerEnvironment, analyzerSettings } from './config/analyzer-settings';
import { CreateSurge1764000100000 } from './database/migrations/1764000100000-create-surge';
import { SamplesModule } from './samples/samples.module';
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
  settings: analyzerSettings,
  topics: [Topics.trafficSamples, Topics.regionSurges, Topics.regionBaselines],
  entities: [SurgeEntity],
  migrations: [CreateSurge1764000100000],
  modules: [SurgesModule, SamplesModule],
  keysConsumerGroup: ConsumerGroups.analyzerKeys,
});
