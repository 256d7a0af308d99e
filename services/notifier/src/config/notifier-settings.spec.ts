import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { notifierService } from '../app.module';
import { notifierEnvironment } from './notifier-settings';

const parse = (environment: NodeJS.ProcessEnv) => notifierService.configFromEnvironment(environment).settings;
/** The refusal's text, for an environment that must be refused. */
const refusal = (environment: NodeJS.ProcessEnv): string => {
  try {
    parse(environment);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the environment was accepted');
};
const problems = (environment: Record<string, string>) => {
  const parsed = z.object(notifierEnvironment).safeParse(environment);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('the notifier environment', () => {
  it('reads the outbound allow-list, empty by default', () => {
    expect(parse({}).outboundAllow).toBe('');
    expect(parse({ NOTIFIER_OUTBOUND_ALLOW: '127.0.0.1:9000, 10.0.0.0/8' }).outboundAllow).toBe('127.0.0.1:9000, 10.0.0.0/8');
  });

  it('refuses an allow-list entry that is not an address, a range or address:port at boot, naming it', () => {
    expect(problems({ NOTIFIER_OUTBOUND_ALLOW: 'localhost, 10.0.0.0/8' })).toEqual(['NOTIFIER_OUTBOUND_ALLOW: entry "localhost" is not an address, a CIDR range or address:port']);
  });

  it('takes the planner at an http(s) URL only: host:port alone reads its host as a scheme', () => {
    expect(parse({ NOTIFIER_PLANNER_URL: 'https://planner.internal:3001/' }).plannerUrl).toBe('https://planner.internal:3001');
    for (const url of ['localhost:3001', 'planner:3001', 'ftp://planner/']) {
      expect(problems({ NOTIFIER_PLANNER_URL: url })).toEqual(['NOTIFIER_PLANNER_URL: must be an http:// or https:// URL such as http://127.0.0.1:3001']);
    }
  });
});

describe('NOTIFIER_REPLICA_ID', () => {
  it('names the replica as given, or leaves it to the worker (hostname:PORT)', () => {
    expect(parse({ NOTIFIER_REPLICA_ID: 'notifier-0' }).replicaId).toBe('notifier-0');
    expect(parse({}).replicaId).toBeUndefined();
  });

  it('refuses a name with spaces, or none, saying what a name looks like', () => {
    for (const name of ['', 'notifier 0', 'n'.repeat(201)]) {
      expect(problems({ NOTIFIER_REPLICA_ID: name })).toEqual(['NOTIFIER_REPLICA_ID: must be 1 to 200 printable ASCII characters without spaces, such as notifier-0 or the pod name of a StatefulSet']);
    }
  });
});

describe('NOTIFIER_SECRET_KEY', () => {
  const key = 'q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=';

  it('refuses to start in production without a key, saying what to set and how to make one', () => {
    expect(refusal({ NODE_ENV: 'production' })).toMatch(
      /^notifier: invalid configuration:\n {2}NOTIFIER_SECRET_KEY \(unset\): must be set while NODE_ENV is production, .*Set it to 32 random bytes in base64 \(openssl rand -base64 32\)/,
    );
  });

  it('takes a key in production, and keeps the development key (undefined) elsewhere', () => {
    expect(parse({ NODE_ENV: 'production', NOTIFIER_SECRET_KEY: key }).secretKey).toEqual(Buffer.from(key, 'base64'));
    expect(parse({}).secretKey).toBeUndefined();
    expect(parse({ NODE_ENV: 'development' }).secretKey).toBeUndefined();
  });
});

describe('NOTIFIER_HOLD_RELEASE_RETENTION_DAYS', () => {
  it('remembers a release 14 days by default', () => {
    expect(parse({}).holdReleaseRetentionMs).toBe(14 * 86_400_000);
    expect(parse({ NOTIFIER_HOLD_RELEASE_RETENTION_DAYS: '30' }).holdReleaseRetentionMs).toBe(30 * 86_400_000);
  });

  it('refuses a retention the topics outlive, saying why', () => {
    expect(problems({ NOTIFIER_HOLD_RELEASE_RETENTION_DAYS: '5' })).toEqual([
      "NOTIFIER_HOLD_RELEASE_RETENTION_DAYS: must be a number of days > 5 (Holdfast's topics keep their messages 5 days), or a late hold.placed could fire Alertmanager alerts its release no longer ends",
    ]);
  });
});

describe('NOTIFIER_RETRY_BASE_MS and NOTIFIER_RETRY_MAX_MS', () => {
  it('refuses a backoff base above its cap at start, naming both values and what to do', () => {
    expect(refusal({ NOTIFIER_RETRY_BASE_MS: '60000', NOTIFIER_RETRY_MAX_MS: '30000' })).toContain(
      '\n  NOTIFIER_RETRY_BASE_MS="60000": must be at most NOTIFIER_RETRY_MAX_MS="30000", or the backoff would start above its cap and every retry wait the cap; lower NOTIFIER_RETRY_BASE_MS or raise NOTIFIER_RETRY_MAX_MS\n',
    );
  });

  it('says every rule between the variables that is broken in one block, not the first alone', () => {
    expect(refusal({ NOTIFIER_RETRY_BASE_MS: '60000', NOTIFIER_RETRY_MAX_MS: '30000', NOTIFIER_DELIVERY_LEASE_MS: '5000', NODE_ENV: 'production' })).toMatch(
      /^notifier: invalid configuration:\n {2}NOTIFIER_DELIVERY_LEASE_MS="5000": must be more than NOTIFIER_DELIVERY_TIMEOUT_MS="5000", or a slow delivery would be claimed twice\n {2}NOTIFIER_RETRY_BASE_MS="60000": [^\n]+\n {2}NOTIFIER_SECRET_KEY \(unset\): [^\n]+\nFix the variables above/,
    );
  });

  it('takes a base equal to the cap (every retry waits the same) and the defaults', () => {
    expect(parse({ NOTIFIER_RETRY_BASE_MS: '30000', NOTIFIER_RETRY_MAX_MS: '30000' }).delivery).toMatchObject({ retryBaseMs: 30_000, retryMaxMs: 30_000 });
    expect(parse({}).delivery).toMatchObject({ retryBaseMs: 1_000, retryMaxMs: 900_000 });
  });
});

describe('two mistakes at one boot', () => {
  it('names a check between variables beside a variable refused on its own, and beside another check', () => {
    const lines = refusal({ NOTIFIER_PLANNER_URL: 'planner:3001', NOTIFIER_DELIVERY_TIMEOUT_MS: '90000', NOTIFIER_DELIVERY_LEASE_MS: '60000', NODE_ENV: 'production' }).split('\n');
    expect(lines.slice(1, -1)).toEqual([
      '  NOTIFIER_PLANNER_URL="planner:3001": must be an http:// or https:// URL such as http://127.0.0.1:3001',
      '  NOTIFIER_DELIVERY_LEASE_MS="60000": must be more than NOTIFIER_DELIVERY_TIMEOUT_MS="90000", or a slow delivery would be claimed twice',
      expect.stringMatching(/^ {2}NOTIFIER_SECRET_KEY \(unset\): must be set while NODE_ENV is production, /),
    ]);
  });

  it('skips a check while a variable it reads is refused, saying that refusal alone', () => {
    const lines = refusal({ NOTIFIER_RETRY_BASE_MS: 'soon', NOTIFIER_RETRY_MAX_MS: '1', NOTIFIER_DELIVERY_TIMEOUT_MS: '60000' }).split('\n');
    expect(lines.slice(1, -1)).toEqual([
      '  NOTIFIER_RETRY_BASE_MS="soon": must be a whole number of milliseconds ≥ 1, written in decimal digits',
      '  NOTIFIER_DELIVERY_LEASE_MS (unset): must be more than NOTIFIER_DELIVERY_TIMEOUT_MS="60000", or a slow delivery would be claimed twice',
    ]);
  });
});

describe('NOTIFIER_DELIVERY_RETENTION_DAYS', () => {
  it('keeps finished deliveries 30 days by default', () => {
    expect(parse({}).deliveryRetentionMs).toBe(30 * 86_400_000);
    expect(parse({ NOTIFIER_DELIVERY_RETENTION_DAYS: '7.5' }).deliveryRetentionMs).toBe(7.5 * 86_400_000);
  });

  it('refuses a retention the topics outlive, or one that is not a number of days, saying why', () => {
    expect(problems({ NOTIFIER_DELIVERY_RETENTION_DAYS: '5' })).toEqual([
      "NOTIFIER_DELIVERY_RETENTION_DAYS: must be a number of days > 5 (Holdfast's topics keep their messages 5 days): while its delivery is kept, an event read again from its topic is never sent twice",
    ]);
    expect(problems({ NOTIFIER_DELIVERY_RETENTION_DAYS: 'forever' })).toHaveLength(1);
  });
});
