import 'reflect-metadata';
import { plannerService } from './app.module';

plannerService.main();
