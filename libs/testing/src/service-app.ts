import type { DynamicModule, INestApplication } from '@nestjs/common';
import { createServiceApp } from '@holdfast/observability';

export interface ServiceUnderTest {
  app: INestApplication;
  baseUrl: string;
  close(): Promise<void>;
}

/** A service's whole application in this process, listening on a free loopback port. */
export async function startServiceApp(rootModule: DynamicModule, name: string): Promise<ServiceUnderTest> {
  const app = await createServiceApp(rootModule, { name, description: `${name} under test` });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, baseUrl: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}
