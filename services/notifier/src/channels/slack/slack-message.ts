import type { NotificationMessage } from '../notification-message';

// Slack mrkdwn treats these three as control characters.
const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export interface SlackPayload {
  text: string;
  blocks: unknown[];
}

/**
 * An incoming-webhook message read in two seconds: a header saying what happened, four fields
 * (what, why, until when, the local time in each affected region) and the link to the explanation.
 * `text` is the notification and screen-reader fallback.
 */
export function slackPayload(message: NotificationMessage): SlackPayload {
  const localTimes = message.localTimes.map((line) => `*${escape(line.region)}* ${escape(line.text)}`).join('\n') || '-';
  return {
    // Read as mrkdwn too, and shown in the push notification: a reason holding <!channel> must not ping anyone.
    text: clip(escape(`${message.title}: ${message.why} (${message.until})`), 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(message.title, 150) } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: clip(`*What*\n${escape(message.what)}`, 2000) },
          { type: 'mrkdwn', text: clip(`*Why*\n${escape(message.why)}`, 2000) },
          { type: 'mrkdwn', text: clip(`*Until*\n${escape(message.until)}`, 2000) },
          { type: 'mrkdwn', text: clip(`*Local time*\n${localTimes}`, 2000) },
        ],
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${message.link}|${message.linkLabel ?? 'Open the week page'}>${message.holdId ? ` · hold ${message.holdId}` : ''}` }] },
    ],
  };
}
