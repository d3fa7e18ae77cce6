/**
 * The end-to-end bench's mail sender, in a thread of its own: the client side of SMTP (nodemailer,
 * 16 pooled connections) is the load, not the system under test, so it does not share the
 * thread the local stack's functions run in. Each mail resolves with the time its 250 reply was
 * read, stamped in that thread (Date.now() is one clock for both threads).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import nodemailer, { type SendMailOptions } from 'nodemailer';

type Request = { id: number; mail: SendMailOptions };
type Reply = { id: number; at: number } | { id: number; error: string };

export interface SmtpSender {
  /** Resolves with the time the 250 reply was read; rejects when the mail was refused. */
  send(mail: SendMailOptions): Promise<number>;
  close(): Promise<void>;
}

export function startSmtpSender(port: number): SmtpSender {
  const worker = new Worker(new URL(import.meta.url), { workerData: { role: 'smtp-sender', port } });
  const pending = new Map<number, { resolve: (at: number) => void; reject: (e: Error) => void }>();
  let next = 0;
  let failed: Error | null = null;
  worker.on('message', (reply: Reply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    if ('at' in reply) waiting?.resolve(reply.at);
    else waiting?.reject(new Error(reply.error));
  });
  // A sender thread that failed refuses every mail, waiting or new, instead of leaving it unanswered.
  const fail = (error: Error) => {
    failed ??= error;
    for (const waiting of pending.values()) waiting.reject(failed);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', () => fail(new Error('the SMTP sender thread ended')));
  return {
    send: (mail) =>
      new Promise<number>((resolve, reject) => {
        if (failed) return reject(failed);
        const id = next++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, mail } satisfies Request);
      }),
    close: async () => {
      await worker.terminate();
    },
  };
}

function serveSends(port: number, to: NonNullable<typeof parentPort>): void {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    pool: true,
    maxConnections: 16,
    maxMessages: Number.POSITIVE_INFINITY,
  });
  to.on('message', ({ id, mail }: Request) => {
    transport.sendMail(mail, (error) =>
      to.postMessage((error ? { id, error: error.message } : { id, at: Date.now() }) satisfies Reply),
    );
  });
}

if (!isMainThread && parentPort && (workerData as { role?: string } | null)?.role === 'smtp-sender')
  serveSends((workerData as { port: number }).port, parentPort);
