/** Where the three services answer and the key to send, from flags first, then the environment. */
export interface Connection {
  urls: ServiceUrls;
  key: string | undefined;
}

export interface ServiceUrls {
  'maintenance-planner': string;
  'impact-analyzer': string;
  notifier: string;
}

export const DEFAULT_URLS: ServiceUrls = {
  'maintenance-planner': 'http://localhost:3001',
  'impact-analyzer': 'http://localhost:3002',
  notifier: 'http://localhost:3003',
};

type Environment = Record<string, string | undefined>;

const trimmed = (url: string) => url.replace(/\/+$/, '');

export function serviceUrls(env: Environment, flags: { plannerUrl?: string; analyzerUrl?: string; notifierUrl?: string } = {}): ServiceUrls {
  return {
    'maintenance-planner': trimmed(flags.plannerUrl ?? env.HOLDFAST_PLANNER_URL ?? DEFAULT_URLS['maintenance-planner']),
    'impact-analyzer': trimmed(flags.analyzerUrl ?? env.HOLDFAST_ANALYZER_URL ?? DEFAULT_URLS['impact-analyzer']),
    notifier: trimmed(flags.notifierUrl ?? env.HOLDFAST_NOTIFIER_URL ?? DEFAULT_URLS.notifier),
  };
}

export function connection(env: Environment, flags: { plannerUrl?: string; analyzerUrl?: string; notifierUrl?: string; key?: string }): Connection {
  return { urls: serviceUrls(env, flags), key: flags.key ?? env.HOLDFAST_KEY };
}
