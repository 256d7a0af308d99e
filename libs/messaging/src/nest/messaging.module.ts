import { type DynamicModule, Module } from '@nestjs/common';
import { MESSAGING_OPTIONS, type MessagingOptions } from './messaging.options';
import { MessagingRuntime } from './messaging-runtime';

@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [{ provide: MESSAGING_OPTIONS, useValue: options }, MessagingRuntime],
      exports: [MessagingRuntime],
    };
  }
}
