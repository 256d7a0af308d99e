/** kafkajs's table of Kafka protocol errors (not in its typings; the version is pinned and patched, see patches/). */
declare module 'kafkajs/src/protocol/error' {
  export const errorCodes: readonly { type: string; code: number; retriable: boolean; message: string }[];
}
