// The Slack-compatible body (an incoming webhook's `text` + Block Kit `blocks`). `text` is the
// fallback Slack shows in notifications; values from the app are escaped for mrkdwn
// (&, <, > — api.slack.com/reference/surfaces/formatting#escaping) so a route name cannot
// inject a link or a mention.
import type { AlertNotification } from './alert-notification';

export interface SlackPayload {
  text: string;
  blocks: ({ type: 'section'; text: { type: 'mrkdwn'; text: string } } | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] })[];
}

export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function slackPayload(alerts: AlertNotification[]): SlackPayload {
  const lines = alerts.map((a) => {
    const icon = a.status === 'firing' ? ':red_circle: FIRING' : ':large_green_circle: RESOLVED';
    return `${icon} ${a.annotations.summary ?? a.labels.alertname ?? 'alert'}`;
  });
  const text = lines.join('\n');
  return {
    text,
    blocks: alerts.flatMap((a, i) => [
      { type: 'section' as const, text: { type: 'mrkdwn' as const, text: `*${escapeMrkdwn(lines[i] ?? '')}*\n${escapeMrkdwn(a.annotations.description ?? '')}` } },
      {
        type: 'context' as const,
        elements: [
          {
            type: 'mrkdwn' as const,
            text: `service ${escapeMrkdwn(a.labels.service ?? '')} · since ${new Date(a.startsAt).toISOString()} · <${a.generatorURL}|open in Headroom>`,
          },
        ],
      },
    ]),
  };
}
