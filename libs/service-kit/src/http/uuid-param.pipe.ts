import { withoutKeySecrets, type UnmarkedSecret } from '@holdfast/observability';
import { Injectable, Optional, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { recognisedBootstrapKey } from '../auth/api-key';
import type { SharedServiceConfig } from '../config/service-config';
import { InjectServiceConfig } from '../config/service-config.token';
import { DomainError } from '../errors/domain.error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path parameter that must be a UUID, refused with a 400 that names it (Nest's own pipe says only "Validation failed (uuid is expected)"). */
@Injectable()
export class UuidParamPipe implements PipeTransform<string, string> {
  private readonly bootstrapKey: UnmarkedSecret | null;

  constructor(@Optional() @InjectServiceConfig() config?: SharedServiceConfig) {
    this.bootstrapKey = recognisedBootstrapKey(config?.auth.bootstrap ?? null);
  }

  transform(value: string, metadata: ArgumentMetadata): string {
    if (UUID.test(value)) return value;
    const name = metadata.data ?? 'id';
    // Cut as the request log and the problem's instance cut it: a whole API key pasted here is not repeated to whoever reads the answer.
    const shown = withoutKeySecrets(value, this.bootstrapKey);
    const whereKeysGo = shown === value ? '' : ': that is an API key, which goes in the Authorization header ("Authorization: Bearer <key>"), never in a URL, where logs and proxies may keep it';
    throw new DomainError('invalid-path', 400, `The ${name} in the path must be a UUID, such as 0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b; "${shown.slice(0, 80)}" is not one${whereKeysGo}.`, {
      errors: [{ path: name, message: 'must be a UUID' }],
    });
  }
}
