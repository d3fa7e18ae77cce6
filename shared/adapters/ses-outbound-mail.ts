/**
 * OutboundMail through SES (SendRawEmail), with the stack's configuration set so bounces and
 * complaints come back as events. Throttling and service faults are retried by the queue;
 * SES refusing the message itself (MessageRejected, an unverified sender) is permanent.
 */
import { type SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { PermanentError, TransientError } from '../errors.ts';
import type { OutboundMail, OutboundMessage } from '../ports/outbound-mail.ts';
import { composeMail } from './compose-mail.ts';

const PERMANENT = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'ConfigurationSetDoesNotExistException',
  'ConfigurationSetSendingPausedException',
  'AccountSendingPausedException',
]);

export class SesOutboundMail implements OutboundMail {
  readonly #ses: SESClient;
  readonly #configurationSet: string;
  readonly #now: () => Date;

  constructor(ses: SESClient, configurationSet: string, now: () => Date = () => new Date()) {
    this.#ses = ses;
    this.#configurationSet = configurationSet;
    this.#now = now;
  }

  async send(message: OutboundMessage): Promise<{ messageId: string }> {
    const { raw, messageId } = await composeMail(message, this.#now());
    try {
      await this.#ses.send(
        new SendRawEmailCommand({
          RawMessage: { Data: raw },
          Destinations: message.to,
          ConfigurationSetName: this.#configurationSet,
        }),
      );
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      if (PERMANENT.has(name)) throw new PermanentError('SES_REFUSED', `SES refused the message (${name})`);
      throw new TransientError('SES_ERROR', `SES SendRawEmail failed (${name})`, { cause: error });
    }
    return { messageId };
  }
}
