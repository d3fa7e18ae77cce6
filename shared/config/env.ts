/**
 * Each function's environment, validated once at cold start. An error lists every missing or bad
 * key at once. No secrets here: Salesforce credentials come from Secrets Manager.
 */
import * as z from 'zod';
import { ConfigError } from '../errors.ts';
import { pipeline } from './pipeline.ts';

const common = {
  MAIL_BUCKET: z.string().min(1),
  /** Path of the org registry JSON (bundled next to the handler as orgs.json in AWS). */
  CAPTURE_CONFIG: z.string().min(1).default('orgs.json'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
};

/** The notices queue (docs/notices.md); without it the stage queues no notices. */
const noticeQueue = { NOTICE_QUEUE_URL: z.url().optional() };

export const ParseEnvSchema = z.object({
  ...common,
  ...noticeQueue,
  SYNC_QUEUE_URL: z.url(),
  /** The lines queue: mail straight from SES is sent on to it, in its org's line. */
  LINES_QUEUE_URL: z.url(),
  INTAKE_DLQ_URL: z.url(),
});
export type ParseEnv = z.infer<typeof ParseEnvSchema>;

export const SyncEnvSchema = z.object({
  ...common,
  /** The sync queue itself: mail an org cannot take now is handed back to it (docs/fairness.md). */
  SYNC_QUEUE_URL: z.url(),
  ...noticeQueue,
  SYNC_DLQ_URL: z.url(),
  /**
   * `secrets-manager` (AWS): one secret per org, `<prefix><orgId>`. `env` (local stack and
   * development only): SF_LOGIN_URL + SF_CLIENT_ID + SF_CLIENT_SECRET, or SF_USERNAME +
   * SF_PRIVATE_KEY_FILE for the JWT bearer flow, used for every org (`{org}` in SF_CLIENT_ID
   * stands for the org's id).
   */
  SALESFORCE_CREDENTIALS: z.enum(['secrets-manager', 'env']).default('secrets-manager'),
  SALESFORCE_SECRET_PREFIX: z.string().default('capture/salesforce/'),
  SALESFORCE_API_VERSION: z
    .string()
    .regex(/^\d+\.\d$/)
    .default('62.0'),
});
export type SyncEnv = z.infer<typeof SyncEnvSchema>;

export const NoticesEnvSchema = z
  .object({
    ...common,
    NOTICE_QUEUE_URL: z.url(),
    /** `ses` (AWS): SendRawEmail with the configuration set. `outbox` (local stack): .eml files in a folder. */
    NOTICE_TRANSPORT: z.enum(['ses', 'outbox']).default('ses'),
    SES_CONFIGURATION_SET: z.string().min(1).optional(),
    CAPTURE_OUTBOX_DIR: z.string().min(1).optional(),
    /** The rate limit's window per rep; SQS delays the window's end by at most 900 s. */
    NOTICE_WINDOW_SECONDS: z.coerce.number().int().min(0).max(900).default(pipeline.notices.windowSeconds),
  })
  .superRefine((env, ctx) => {
    if (env.NOTICE_TRANSPORT === 'ses' && !env.SES_CONFIGURATION_SET)
      ctx.addIssue({
        code: 'custom',
        path: ['SES_CONFIGURATION_SET'],
        message: 'is required to send through SES',
      });
    if (env.NOTICE_TRANSPORT === 'outbox' && !env.CAPTURE_OUTBOX_DIR)
      ctx.addIssue({ code: 'custom', path: ['CAPTURE_OUTBOX_DIR'], message: 'is required for the outbox' });
  });
export type NoticesEnv = z.infer<typeof NoticesEnvSchema>;

export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, name: string): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
  throw new ConfigError('INVALID_ENV', `${name} environment: ${problems.join('; ')}`);
}
