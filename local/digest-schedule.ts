/**
 * The local stand-in for the EventBridge schedule that invokes the notices function at the top
 * of every hour (UTC) with a Scheduled Event: each org's admin digest goes out in its
 * `digestHour`. Checks the clock once a minute; `fire(at)` runs one hour's invocation at once.
 */
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { NoticesEvent } from '#functions/notices/handler.ts';

export interface DigestSchedule {
  /** Invokes the function as the schedule would for the hour `at` falls in. */
  fire(at: Date): Promise<void>;
  stop(): void;
}

const CHECK_MS = 60_000;

export function startDigestSchedule(
  handler: (event: NoticesEvent, context: Context) => Promise<unknown>,
  now: () => Date,
  onError: (error: unknown) => void = (error) => console.error('digest schedule:', error),
): DigestSchedule {
  const hourOf = (at: Date) => Math.floor(at.getTime() / 3_600_000);
  // The first tick is the next hour's: starting at 08:30 does not send 08:00's digests.
  let last = hourOf(now());
  const fire = async (at: Date) => {
    const top = new Date(hourOf(at) * 3_600_000);
    const event: ScheduledEvent = {
      version: '0',
      id: `local-${top.getTime()}`,
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: top.toISOString(),
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/capture-digest-hour'],
      detail: {},
    };
    await handler(event, { functionName: 'notices', awsRequestId: event.id } as Context);
  };
  const timer = setInterval(() => {
    const at = now();
    if (hourOf(at) === last) return;
    last = hourOf(at);
    fire(at).catch(onError);
  }, CHECK_MS);
  timer.unref();
  return { fire, stop: () => clearInterval(timer) };
}
