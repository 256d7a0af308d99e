import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { ProblemDetailsFilter } from './problem-details.filter';

export interface ServiceDescription {
  name: string;
  description: string;
}

/**
 * Builds a service's HTTP application with the face every Holdfast service shows: pino logs,
 * RFC 9457 errors, OpenAPI generated from the code at /docs (JSON at /docs-json), graceful shutdown.
 */
export async function createServiceApp(rootModule: DynamicModule, service: ServiceDescription): Promise<INestApplication> {
  const app = await NestFactory.create(rootModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle(`Holdfast ${service.name}`).setDescription(service.description).setVersion('1').build(),
  );
  SwaggerModule.setup('docs', app, document);
  return app;
}

/** The whole of a service's main: configuration read at boot, the app built and listening, and a failure said plainly. */
export function runService(service: ServiceDescription, configure: () => { rootModule: DynamicModule; port: number }): void {
  // Every instant is handled in UTC; a host zone must never leak into a date computed here.
  process.env.TZ = 'UTC';
  const start = async () => {
    const { rootModule, port } = configure();
    const app = await createServiceApp(rootModule, service);
    await app.listen(port, '0.0.0.0');
  };
  start().catch((error: Error) => {
    process.stderr.write(`${service.name} failed to start: ${error.message}\n`);
    process.exit(1);
  });
}
