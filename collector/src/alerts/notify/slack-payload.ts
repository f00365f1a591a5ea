// The Slack-compatible body (an incoming webhook's `text` + Block Kit `blocks`). `text` is the
// fallback Slack shows in notifications; it and the blocks escape every value from the app or a
// rule for mrkdwn (&, <, > — api.slack.com/reference/surfaces/formatting#escaping) so a
// service or route name cannot inject a link or a mention. Only the link to Headroom is markup.
import type { AlertNotification } from './alert-notification';

export interface SlackPayload {
  text: string;
  blocks: ({ type: 'section'; text: { type: 'mrkdwn'; text: string } } | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] })[];
}

export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A firing's start; a resolve's start and end (it is over: "since" its start read as still open). */
function when(a: AlertNotification): string {
  const iso = (t: number): string => new Date(t).toISOString();
  return a.endsAt === null ? `since ${iso(a.startsAt)}` : `fired ${iso(a.startsAt)}, resolved ${iso(a.endsAt)}`;
}

export function slackPayload(alerts: AlertNotification[]): SlackPayload {
  const lines = alerts.map((a) => {
    const icon = a.status === 'firing' ? ':red_circle: FIRING' : ':large_green_circle: RESOLVED';
    // The headline, not the summary: a resolve's summary says "resolved" too ("RESOLVED X resolved: …").
    return `${icon} ${a.headline}`;
  });
  return {
    text: escapeMrkdwn(lines.join('\n')),
    blocks: alerts.flatMap((a, i) => [
      { type: 'section' as const, text: { type: 'mrkdwn' as const, text: `*${escapeMrkdwn(lines[i] ?? '')}*\n${escapeMrkdwn(a.annotations.description ?? '')}` } },
      {
        type: 'context' as const,
        elements: [
          {
            type: 'mrkdwn' as const,
            text: `service ${escapeMrkdwn(a.labels.service ?? '')} · ${when(a)} · <${a.generatorURL}|open in Headroom>`,
          },
        ],
      },
    ]),
  };
}
