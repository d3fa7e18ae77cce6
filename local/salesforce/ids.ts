/** Salesforce record ids: 15 case-sensitive characters (3-character key prefix) + 3-character case-safe suffix. */
import { caseSafeSuffix } from '#shared/domain/record-id.ts';

export {
  caseSafeSuffix,
  RECORD_ID_SHAPE as ID_PATTERN,
  toRecordId18 as to18,
} from '#shared/domain/record-id.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function makeId(prefix: string, n: number): string {
  let body = '';
  let v = n;
  for (let i = 0; i < 9; i++) {
    body = BASE62[v % 62] + body;
    v = Math.floor(v / 62);
  }
  const id15 = `${prefix}5g${'0'}${body}`.slice(0, 15).padEnd(15, '0');
  return id15 + caseSafeSuffix(id15);
}
