// Fails when the checked-in AsyncAPI document no longer matches libs/contracts. Run through `npm run contracts:check`.
import { existsSync, readFileSync } from 'node:fs';
import { ASYNCAPI_PATH, renderAsyncApiDocument } from './asyncapi-document';

const current = existsSync(ASYNCAPI_PATH) ? readFileSync(ASYNCAPI_PATH, 'utf8') : undefined;
if (current !== renderAsyncApiDocument()) {
  console.error(`${ASYNCAPI_PATH} is ${current === undefined ? 'missing' : 'stale'}: run npm run contracts:asyncapi`);
  process.exit(1);
}
console.log(`${ASYNCAPI_PATH} is up to date`);
