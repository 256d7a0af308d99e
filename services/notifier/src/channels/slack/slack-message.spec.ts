import { describe, expect, it } from 'vitest';
import { slackPayload } from './slack-message';

describe('slackPayload', () => {
  it('escapes the fallback text as it does the blocks: a reason cannot ping a channel or hide a link', () => {
    const payload = slackPayload({
      title: 'Maintenance held in IR',
      what: 'Core router upgrade',
      why: 'freeze <!channel> & <https://example.invalid|click>',
      until: 'until the surge clears',
      localTimes: [],
      link: 'https://holdfast.example/v1/holds/h-1',
      regions: ['IR'],
      teams: [],
      windowIds: [],
    });
    expect(payload.text).toBe('Maintenance held in IR: freeze &lt;!channel&gt; &amp; &lt;https://example.invalid|click&gt; (until the surge clears)');
    expect(JSON.stringify(payload.blocks)).not.toContain('<!channel>');
  });
});
