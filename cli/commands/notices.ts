/**
 * `capture digest [--org ID]`: the admin digest now, whatever the hour (docs/notices.md). It asks
 * the notices function through its queue, as the hourly schedule's digests are sent: deployed by
 * SES, locally into the outbox. Where: `--stack`, `--bucket` and AWS settings as for `capture status`.
 */
import type { Command } from 'commander';
import { SqsNoticeQueue } from '#shared/adapters/sqs-notice-queue.ts';
import { pipeline } from '#shared/config/pipeline.ts';
import { ORG_ID_PATTERN } from '#shared/config/registry.ts';
import { usageError } from '../usage.ts';
import { type AwsOptions, checkWhere, deployment, explained, whereOptions } from './operations.ts';

export function registerNotices(program: Command): void {
  whereOptions(
    program
      .command('digest')
      .description('send the admin digest of mail that could not be logged now (every org, or --org)'),
  )
    .option('--org <id>', 'only this org')
    .option('--json', 'print a JSON summary')
    .action(async function (this: Command, options: AwsOptions & { org?: string; json?: boolean }) {
      checkWhere(this, options);
      if (options.org !== undefined && !ORG_ID_PATTERN.test(options.org)) {
        usageError(this, `--org ${options.org} is not an org id (lower-case letters, digits and hyphens)`);
      }
      await explained(async () => {
        const where = await deployment(options);
        const queue = new SqsNoticeQueue(where.sqs, await where.noticesQueueUrl());
        await queue.send({ type: 'digest', orgId: options.org ?? null });
      });
      const orgs = options.org ?? 'every org';
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ requested: options.org ?? null, queue: pipeline.queues.notices.name })}\n`
          : `digest requested for ${orgs}: the notices function sends it to the admins now (nothing when no mail is waiting)\n`,
      );
    });
}
