import { createServiceDataSource } from '@holdfast/database';
import { analyzerConfigFromEnvironment } from '../config/analyzer.config';
import { analyzerDatabase } from './analyzer-database';

/** For the TypeORM CLI and the `migrate` target: the same data source the service runs with. */
export default createServiceDataSource(analyzerDatabase(analyzerConfigFromEnvironment().database));
