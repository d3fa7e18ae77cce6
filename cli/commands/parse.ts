/**
 * `capture parse <file.eml…>`: prints the CapturedEmail of each file (docs/cli.md). One file → one
 * JSON object; several → JSON Lines in order. Exit 0 when every file had a readable header,
 * 1 when any could not be read (each such file gets one `error: …` line on stderr).
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { pipeline } from '#shared/config/pipeline.ts';
import type { Org } from '#shared/config/registry.ts';
import type { CaptureContext } from '#shared/domain/captured-email.ts';
import { describeError } from '#shared/errors.ts';
import { safeJson, safeLine } from '../output.ts';
import { usageError } from '../usage.ts';

export function registerParse(program: Command): void {
  program
    .command('parse')
    .description('parse raw email files into CapturedEmail JSON (one object per file)')
    .argument('<files...>', 'raw MIME files (.eml)')
    .option(
      '--config <orgs.json>',
      'org registry, for internal domains, order number patterns and privacy rules',
    )
    .option('--recipient <address>', 'capture address the message was sent to (needs --config)')
    .option('--pretty', 'indent the JSON of a single file')
    .action(async function (
      this: Command,
      files: string[],
      options: { config?: string; recipient?: string; pretty?: boolean },
    ) {
      let org: Org | null = null;
      let capture: CaptureContext | null = null;
      if (options.recipient && !options.config) usageError(this, '--recipient needs --config <orgs.json>');
      if (options.config) {
        // The registry (and zod with it) only when asked for: most runs parse files alone.
        const { loadRegistryFile } = await import('#shared/config/registry-file.ts');
        const { resolveCaptureAddress } = await import('#shared/config/registry.ts');
        const registry = loadRegistryFile(options.config);
        if (options.recipient) {
          const resolved = resolveCaptureAddress(registry, options.recipient);
          if (!resolved.ok)
            usageError(this, `${options.recipient} is not a capture address (${resolved.reason})`);
          org = resolved.org;
          capture = {
            orgId: resolved.org.id,
            address: resolved.recipient,
            mode: resolved.address.mode,
            target: resolved.target,
          };
        } else if (registry.orgs.length === 1) {
          org = registry.orgs[0] ?? null;
        }
      }
      let failed = 0;
      for (const file of files) {
        try {
          const info = await stat(file).catch(() => null);
          if (!info?.isFile()) throw new Error(`${file}: no such file`);
          // A small file in one read; a large one streamed, as the parse function reads S3.
          const raw =
            info.size <= pipeline.rawReadWholeMaxBytes ? await readFile(file) : createReadStream(file);
          const email = await (await mimeReader()).parseEmail(raw, {
            org,
            capture,
            envelope: options.recipient ? { mailFrom: null, recipients: [options.recipient] } : null,
          });
          const pretty = options.pretty && files.length === 1;
          process.stdout.write(`${safeJson(email, pretty ? 2 : undefined)}\n`);
        } catch (error) {
          failed++;
          const message = describeError(error).replace(/^UNREADABLE_EMAIL: /, '');
          process.stderr.write(
            `error: ${safeLine(message.startsWith(file) ? message : `${file}: ${message}`)}\n`,
          );
        }
      }
      if (failed > 0) process.exitCode = 1;
    });
}

// Loaded when a file is parsed: the MIME libraries take longer to load than every other command needs.
const mimeReader = () => import('#shared/adapters/mime/parse-email.ts');
