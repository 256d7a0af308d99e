// Writes libs/contracts/asyncapi.json from libs/contracts. Run through `npm run contracts:asyncapi`.
import { writeFileSync } from 'node:fs';
import { ASYNCAPI_PATH, renderAsyncApiDocument } from './asyncapi-document';

writeFileSync(ASYNCAPI_PATH, renderAsyncApiDocument());
console.log(`wrote ${ASYNCAPI_PATH}`);
