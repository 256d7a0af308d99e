import 'reflect-metadata';
import { runService } from '@holdfast/observability';
import { AppModule } from './app.module';
import { plannerConfigFromEnvironment, SERVICE_NAME } from './config/planner.config';

runService({ name: SERVICE_NAME, description: 'Plans maintenance windows and holds them away from surging regions.' }, () => {
  const config = plannerConfigFromEnvironment();
  return { rootModule: AppModule.forRoot(config), port: config.port };
});
