/**
 * Which Host headers the local HTTP servers answer (local/loopback.ts): names of this machine,
 * the listen host, and what CAPTURE_ALLOWED_HOSTS adds; CAPTURE_LISTEN_HOST defaults to loopback.
 */
import { describe, expect, it } from 'vitest';
import { allowedHostsFromEnv, hostAllowed, listenHostFromEnv } from '#local/loopback.ts';

describe('local hosts', () => {
  it('listens on 127.0.0.1 unless CAPTURE_LISTEN_HOST names another interface', () => {
    expect(listenHostFromEnv({})).toBe('127.0.0.1');
    expect(listenHostFromEnv({ CAPTURE_LISTEN_HOST: ' 0.0.0.0 ' })).toBe('0.0.0.0');
  });

  it('answers the names CAPTURE_ALLOWED_HOSTS adds, comma-separated, and any Host with *', () => {
    const extra = allowedHostsFromEnv({ CAPTURE_ALLOWED_HOSTS: 'dev.example, Box.Lan ' });
    expect(extra).toEqual(['dev.example', 'box.lan']);
    expect(hostAllowed('dev.example:8484', '127.0.0.1', extra)).toBe(true);
    expect(hostAllowed('box.lan', '127.0.0.1', extra)).toBe(true);
    expect(hostAllowed('attacker.example:8484', '127.0.0.1', extra)).toBe(false);
    expect(hostAllowed('attacker.example:8484', '127.0.0.1', [])).toBe(false);
    expect(
      hostAllowed('attacker.example', '127.0.0.1', allowedHostsFromEnv({ CAPTURE_ALLOWED_HOSTS: '*' })),
    ).toBe(true);
    expect(allowedHostsFromEnv({})).toEqual([]);
  });
});
