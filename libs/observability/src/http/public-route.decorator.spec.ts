import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { describe, expect, it } from 'vitest';
import { PublicRoute } from './public-route.decorator';

@Controller('webhook')
@PublicRoute()
class OpenController {
  @Get()
  receive() {
    return {};
  }
}

@Controller('windows')
class KeyedController {
  @Get()
  list() {
    return [];
  }

  @Get('page')
  @PublicRoute()
  page() {
    return '';
  }
}

@Module({ controllers: [OpenController, KeyedController] })
class ExampleModule {}

describe('PublicRoute in the OpenAPI document', () => {
  it('says a public route needs no key, on a controller or a handler, while every other route keeps the bearer requirement', async () => {
    const app = await NestFactory.create(ExampleModule, { logger: false });
    try {
      const document = SwaggerModule.createDocument(app, new DocumentBuilder().addBearerAuth().addSecurityRequirements('bearer').build());
      const securityOf = (path: string) => document.paths[path].get?.security;
      expect(document.security).toEqual([{ bearer: [] }]);
      expect(securityOf('/webhook')).toEqual([{}]);
      expect(securityOf('/windows/page')).toEqual([{}]);
      expect(securityOf('/windows')).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
