import 'reflect-metadata';
import { analyzerService } from './app.module';

analyzerService.main();
