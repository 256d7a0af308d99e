import 'reflect-metadata';
import { runService } from '@holdfast/observability';
import { AppModule } from './app.module';
import { analyzerConfigFromEnvironment, SERVICE_NAME } from './config/analyzer.config';

runService({ name: SERVICE_NAME, description: 'Watches traffic per region and the alerts that fire; publishes surges and baselines.' }, () => {
  const config = analyzerConfigFromEnvironment();
  return { rootModule: AppModule.forRoot(config), port: config.port };
});
