import { describe, expect, it } from 'vitest';
import { displayTargetUrl, isRedactedUrl, scrubUrls } from './target-url.js';

describe('displayTargetUrl', () => {
  it('keeps scheme, host, port and a plain first path word', () => {
    expect(displayTargetUrl('http://127.0.0.1:9093/hook')).toBe('http://127.0.0.1:9093/hook');
    expect(displayTargetUrl('https://alerts.example.com/')).toBe('https://alerts.example.com');
  });

  it('never shows a Slack webhook path', () => {
    const url = 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX';
    const shown = displayTargetUrl(url);
    expect(shown).toBe('https://hooks.slack.com/services/…');
    expect(shown).not.toContain('XXXX');
  });

  it('hides tokens in the first segment, the query, the fragment and userinfo', () => {
    expect(displayTargetUrl('https://x.example/abc123def456')).toBe('https://x.example/…');
    expect(displayTargetUrl('https://x.example/hook?token=s3cret')).toBe(
      'https://x.example/hook?…',
    );
    expect(displayTargetUrl('https://user:pw@x.example/hook#t=1')).toBe('https://x.example/hook?…');
    expect(displayTargetUrl('not a url')).toBe('…');
  });

  it('recognises a display form sent back as input', () => {
    expect(isRedactedUrl('https://hooks.slack.com/services/…')).toBe(true);
    expect(isRedactedUrl(new URL('https://hooks.slack.com/services/…').href)).toBe(true);
    expect(isRedactedUrl('https://hooks.slack.com/services/T0/B0/x')).toBe(false);
  });
});

describe('scrubUrls', () => {
  it('replaces URLs inside error text by their display form', () => {
    expect(
      scrubUrls(
        'connect ECONNREFUSED for https://hooks.slack.com/services/T0/B0/sekrit, giving up',
      ),
    ).toBe('connect ECONNREFUSED for https://hooks.slack.com/services/…, giving up');
  });
});
