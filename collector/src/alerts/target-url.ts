/**
 * How a notification target's URL appears in API responses and logs. Webhook URLs are often
 * credentials themselves (a Slack incoming webhook's path is its secret; many receivers take a
 * token in the path or query), so only the scheme, host and a plain first path word are shown:
 * enough for an operator to recognise the receiver, never enough to post to it. The full URL
 * stays in the alert store and is used only to send.
 */

/** Path words kept as they are: short and letters only, like `hook`, `alerts`, `services`. */
const PLAIN_WORD = /^[a-z]{1,16}$/i;

/** Marks a redacted part; a URL containing it is refused on input (it came from a response). */
export const REDACTED = '…';

export function displayTargetUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return REDACTED;
  }
  const segments = url.pathname.split('/').filter(Boolean);
  let path = '';
  if (segments.length > 0) {
    const first = decodeURIComponentSafe(segments[0]!);
    path = PLAIN_WORD.test(first) ? `/${first}` : `/${REDACTED}`;
    if (segments.length > 1 && path !== `/${REDACTED}`) path += `/${REDACTED}`;
  }
  const query = url.search || url.hash ? `?${REDACTED}` : '';
  // url.host drops userinfo (user:password@), which is a credential too.
  return `${url.protocol}//${url.host}${path}${query}`;
}

/** Replaces every http(s) URL inside free text (error messages) by its display form. */
export function scrubUrls(text: string): string {
  return text.replace(/https?:\/\/[^\s"'<>,;)]+/gi, (u) => displayTargetUrl(u));
}

/** True when a URL sent to the API is a display form copied back from a response. */
export function isRedactedUrl(raw: string): boolean {
  return raw.includes(REDACTED) || raw.includes(encodeURIComponent(REDACTED));
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
