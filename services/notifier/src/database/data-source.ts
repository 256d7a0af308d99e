import { createServiceDataSource } from '@holdfast/database';
import { notifierConfigFromEnvironment } from '../config/notifier.config';
import { notifierDatabase } from './notifier-database';

/** For the TypeORM CLI and the `migrate` target: the same data source the service runs with. */
export default createServiceDataSource(notifierDatabase(notifierConfigFromEnvironment().database));
