import { Inject } from '@nestjs/common';

export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');

/** Injects the service's parsed configuration, e.g. `@InjectServiceConfig() config: ServiceConfig<AnalyzerSettings>`. */
export const InjectServiceConfig = (): ParameterDecorator => Inject(SERVICE_CONFIG);
