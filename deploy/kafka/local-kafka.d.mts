// Types for local-kafka.mjs, so libs/testing and the benches can call it from TypeScript.
export class LocalKafkaError extends Error {}

export interface LocalKafkaConfig {
  host: string;
  port: number;
  controllerPort: number;
  brokers: string[];
  libsDir: string;
  dataDir: string;
  stateDir: string;
  pidFile: string;
  lockFile: string;
  logFile: string;
  outFile: string;
  propertiesFile: string;
  heapOptions: string[];
  /** From KAFKA_JVM_PERFORMANCE_OPTS, by default what Kafka's own launcher script passes. */
  performanceOptions: string[];
  startTimeoutMs: number;
  stopTimeoutMs: number;
  java: string;
  /** From KAFKA_SCRAM_USERNAME / KAFKA_SCRAM_PASSWORD: a SCRAM-SHA-256 client listener instead of plaintext. */
  scram: { username: string; password: string } | null;
}

export interface LogOption {
  log?: (line: string) => void;
}

export interface StartedKafka {
  brokers: string[];
  /** True when this call launched the JVM; false when it reused a broker that already answered. */
  startedHere: boolean;
  pid?: number;
  clusterId: string;
}

export interface KafkaStatus {
  brokers: string[];
  answering: boolean;
  clusterId: string | null;
  pid: number | null;
  jarsCached: boolean;
  storageFormatted: boolean;
}

export interface ClusterDescription {
  brokers: Array<{ nodeId: number; host: string; port: number }>;
  controller: number | null;
  clusterId: string;
}

export function localKafkaConfig(env?: Record<string, string | undefined>): LocalKafkaConfig;
export function describeKafka(brokers: string[], options?: { timeoutMs?: number; scram?: { username: string; password: string } | null }): Promise<ClusterDescription | null>;
export function namedBrokers(list: string, options?: { timeoutMs?: number; scram?: { username: string; password: string } | null }): Promise<string[]>;
export function waitForKafka(
  brokers: string[],
  options?: LogOption & { timeoutMs?: number; isAlive?: () => boolean; describeFailure?: () => string },
): Promise<ClusterDescription>;
export function fetchKafka(config?: LocalKafkaConfig, options?: LogOption): void;
export function startKafka(config?: LocalKafkaConfig, options?: LogOption): Promise<StartedKafka>;
export function stopKafka(config?: LocalKafkaConfig, options?: LogOption): Promise<boolean>;
export function runningBrokerPid(config?: LocalKafkaConfig): number | null;
export function portFreed(host: string, port: number, options?: LogOption & { waitMs?: number }): Promise<boolean>;
export function kafkaStatus(config?: LocalKafkaConfig, options?: LogOption): Promise<KafkaStatus>;
export function removeRunTopics(brokers: string[], prefix: string, options?: LogOption & { scram?: { username: string; password: string } | null }): Promise<void>;
