import 'reflect-metadata';
import { runService } from '@holdfast/observability';
import { AppModule } from './app.module';
import { notifierConfigFromEnvironment, SERVICE_NAME } from './config/notifier.config';

runService({ name: SERVICE_NAME, description: 'Tells owners, dashboards and alert consumers about holds and windows.' }, () => {
  const config = notifierConfigFromEnvironment();
  return { rootModule: AppModule.forRoot(config), port: config.port };
});
