import { CreateMessagingTables1764000000000 } from './1764000000000-create-messaging-tables';
import { RecordDeadLetters1764600000000 } from './1764600000000-record-dead-letters';
import { RecordConsumedOffsets1765200000000 } from './1765200000000-record-consumed-offsets';
import { RecordRefusedOutboxRows1765800000000 } from './1765800000000-record-refused-outbox-rows';
import { KeepDeadLetterMessages1766000000000 } from './1766000000000-keep-dead-letter-messages';
import { KeepDeadLetterKeysAsBytes1766100000000 } from './1766100000000-keep-dead-letter-keys-as-bytes';
import { RememberWhenFencesAdvanced1766500000000 } from './1766500000000-remember-when-fences-advanced';
import { KeepOutboxTombstones1768900000000 } from './1768900000000-keep-outbox-tombstones';

/** Every migration of the messaging tables, in order: a service lists these before its own. */
export const MessagingMigrations = [
  CreateMessagingTables1764000000000,
  RecordDeadLetters1764600000000,
  RecordConsumedOffsets1765200000000,
  RecordRefusedOutboxRows1765800000000,
  KeepDeadLetterMessages1766000000000,
  KeepDeadLetterKeysAsBytes1766100000000,
  RememberWhenFencesAdvanced1766500000000,
  KeepOutboxTombstones1768900000000,
];
