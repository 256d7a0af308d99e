// Secrets npm start makes on the first start and keeps under .holdfast/ (the bootstrap key, the notifier's
// sealing key): a newcomer sets nothing, and no other user of the machine can read them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The secret kept in `file`; when there is none, `make()` writes one, readable by this user only (0600). `made`: it was made now. */
export function keptSecret(file, make) {
  let made = false;
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    try {
      // wx: a file another start wrote meanwhile is kept, not replaced by a second secret.
      writeFileSync(file, `${make()}\n`, { mode: 0o600, flag: 'wx' });
      made = true;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
  }
  return { value: readFileSync(file, 'utf8').trim(), made };
}
