import 'reflect-metadata';
import { migrateFromCommandLine } from '@holdfast/database';
import dataSource from './data-source';

migrateFromCommandLine(dataSource);
