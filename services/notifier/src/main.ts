import 'reflect-metadata';
import { notifierService } from './app.module';

notifierService.main();
