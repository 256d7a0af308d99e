import { createServiceDataSource } from '@holdfast/database';
import { plannerConfigFromEnvironment } from '../config/planner.config';
import { plannerDatabase } from './planner-database';

/** For the TypeORM CLI and the `migrate` target: the same data source the service runs with. */
export default createServiceDataSource(plannerDatabase(plannerConfigFromEnvironment().database));
