// Which parts of a webhook URL's path are secrets. Many services put the credential in the path
// itself, and whoever reads the URL can post with it: Slack (/services/T…/B…/<secret>), Discord
// (/api/webhooks/<id>/<token>), Microsoft Teams connectors (/webhookb2/<guid>@<guid>/
// IncomingWebhook/<hex>/<guid>/<token>), PagerDuty-style integration keys, Mattermost and
// Rocket.Chat hooks, Zapier catch hooks, IFTTT (/with/key/<key>), Telegram (/bot<id>:<token>).
// Known providers' secret segments are masked by position; anything else that looks like a
// generated token is masked by its look. Masking a harmless segment costs some readability;
// showing a secret gives away the right to post, so the look errs towards masking.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Path words after which the next segment is a credential, whatever it looks like. */
const KEY_WORDS = new Set(['key', 'keys', 'token', 'tokens', 'secret', 'apikey', 'api_key', 'api-key', 'sig', 'signature', 'password', 'auth']);

/**
 * A generated token rather than a name: a UUID, 16+ characters of [A-Za-z0-9_-] mixing letters
 * and digits, or 24+ mixing upper and lower case (a random base62 string of 24 has no digit
 * about once in 65, so case alone must also count; names that long in camel case are rare in
 * webhook paths).
 */
export function looksLikeSecret(word: string): boolean {
  if (UUID.test(word)) return true;
  if (!/^[A-Za-z0-9_-]+$/.test(word)) return false;
  if (word.length >= 16 && /[A-Za-z]/.test(word) && /\d/.test(word)) return true;
  return word.length >= 24 && /[a-z]/.test(word) && /[A-Z]/.test(word);
}

/** Indexes (into the non-empty segments) that a known provider uses for its secret. */
function providerSecretIndexes(host: string, segments: readonly string[], slack: boolean): number[] {
  const last = segments.length - 1;
  if (slack || host === 'hooks.slack.com') return last >= 0 ? [last] : [];
  if (/(^|\.)discord(app)?\.com$/.test(host)) {
    // /api[/v10]/webhooks/<id>/<token>[/slack|/github]: the token follows the id.
    const at = segments.indexOf('webhooks');
    return at >= 0 && at + 2 <= last ? [at + 2] : [];
  }
  // Slack's shape on any host (a relay, a Slack-compatible chat): /services/T…/B…/<secret>.
  const services = segments.findIndex((s, i) => s === 'services' && /^T[A-Z0-9]+$/.test(segments[i + 1] ?? '') && /^B[A-Z0-9]+$/.test(segments[i + 2] ?? ''));
  if (services >= 0 && services + 3 <= last) return [services + 3];
  if (host === 'hooks.zapier.com') {
    // /hooks/catch/<account>/<hook>/: the pair is the secret; the account number is not.
    const at = segments.indexOf('catch');
    return at >= 0 && at + 2 <= last ? [at + 2] : [];
  }
  return [];
}

/**
 * The path with its secret parts replaced by `mask`: whole segments where a provider or a
 * preceding key word says so, else each token-like word of a segment (so a Teams
 * `<guid>@<guid>` reads `***@***` and Telegram's `bot<id>:<token>` reads `bot<id>:***`).
 */
export function maskPathSecrets(host: string, pathname: string, slack: boolean, mask: string): string {
  const parts = pathname.split('/');
  const nonEmpty = parts.flatMap((s, i) => (s === '' ? [] : [i]));
  const whole = new Set(providerSecretIndexes(host.toLowerCase(), nonEmpty.map((i) => parts[i] as string), slack).map((n) => nonEmpty[n] as number));
  for (let n = 0; n + 1 < nonEmpty.length; n++) {
    if (KEY_WORDS.has((parts[nonEmpty[n] as number] as string).toLowerCase())) whole.add(nonEmpty[n + 1] as number);
  }
  return parts
    .map((segment, i) => {
      if (segment === '') return segment;
      if (whole.has(i)) return mask;
      return segment.replace(/[A-Za-z0-9_-]+/g, (word) => (looksLikeSecret(word) ? mask : word));
    })
    .join('/');
}
