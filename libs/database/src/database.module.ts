import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dataSourceOptions, type ServiceDataSourceOptions } from './data-source.factory';
import { connectionFailure } from './database-wait';
import { runMigrations } from './migration-runner';

@Module({})
export class DatabaseModule {
  /** The service's data source, with its pending migrations applied before anything else starts. */
  static forRoot(options: ServiceDataSourceOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          // The service's main waited for PostgreSQL (waitForDatabase) before Nest built anything: a failure here is said once, not retried with a stack each time.
          useFactory: () => ({ ...dataSourceOptions(options), toRetry: () => false }),
          dataSourceFactory: async (config) => {
            const logger = new Logger('Database');
            const dataSource = new DataSource(config!);
            try {
              await dataSource.initialize();
            } catch (error) {
              throw connectionFailure(options.settings.url, error);
            }
            await runMigrations(dataSource, { info: (message) => logger.log(message) });
            return dataSource;
          },
        }),
      ],
    };
  }
}
