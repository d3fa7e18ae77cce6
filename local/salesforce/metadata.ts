/**
 * The Metadata API's readMetadata (SOAP, POST /services/Soap/m/NN.0) for the org settings Capture
 * checks (Metadata API Developer Guide, "Settings"): ActivitiesSettings
 * (allowUsersToRelateMultipleContactsToTasksAndEvents: Shared Activities),
 * EmailAdministrationSettings (enableEnhancedEmailEnabled: Enhanced Email) and EmailToCaseSettings
 * (enableEmailToCase). The session comes in the SOAP SessionHeader, as jsforce sends it; a bad
 * one is the fault INVALID_SESSION_ID with HTTP 500, which jsforce takes for an expired session.
 */
import type { OrgSettings } from './org.ts';

const SETTINGS: Record<string, { fullName: string; fields: (s: OrgSettings) => Record<string, boolean> }> = {
  ActivitiesSettings: {
    fullName: 'Activities',
    fields: (s) => ({ allowUsersToRelateMultipleContactsToTasksAndEvents: s.sharedActivities }),
  },
  EmailAdministrationSettings: {
    fullName: 'EmailAdministration',
    fields: (s) => ({ enableEnhancedEmailEnabled: s.enhancedEmail }),
  },
  EmailToCaseSettings: {
    fullName: 'EmailToCase',
    fields: (s) => ({ enableEmailToCase: s.emailToCase }),
  },
};

const ENVELOPE =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>';
const END = '</soapenv:Body></soapenv:Envelope>';

const tag = (xml: string, name: string) =>
  new RegExp(`<(?:\\w+:)?${name}>([^<]*)</(?:\\w+:)?${name}>`).exec(xml)?.[1];
const tags = (xml: string, name: string) =>
  [...xml.matchAll(new RegExp(`<(?:\\w+:)?${name}>([^<]*)</(?:\\w+:)?${name}>`, 'g'))].map((m) => m[1] ?? '');

/** The session id a SOAP request carries in its SessionHeader. */
export function soapSession(xml: string): string | undefined {
  return tag(xml, 'sessionId');
}

export function soapFault(code: string, message: string): string {
  return `${ENVELOPE}<soapenv:Fault><faultcode>sf:${code}</faultcode><faultstring>${code}: ${escapeXml(message)}</faultstring></soapenv:Fault>${END}`;
}

/** The answer to a Metadata API call: HTTP status and SOAP body. */
export function metadataCall(settings: OrgSettings, xml: string): { status: number; body: string } {
  if (!/<(?:\w+:)?readMetadata[\s>]/.test(xml))
    return { status: 500, body: soapFault('INVALID_OPERATION', 'the emulator answers readMetadata only') };
  const type = tag(xml, 'type') ?? '';
  const known = SETTINGS[type];
  if (!known)
    return { status: 500, body: soapFault('INVALID_TYPE', `Unknown type name '${type}' specified`) };
  const records = tags(xml, 'fullNames')
    .filter((name) => name === known.fullName)
    .map((name) => {
      const fields = Object.entries(known.fields(settings))
        .map(([k, v]) => `<${k}>${v}</${k}>`)
        .join('');
      return `<records xsi:type="${type}"><fullName>${name}</fullName>${fields}</records>`;
    });
  return {
    status: 200,
    body: `${ENVELOPE}<readMetadataResponse><result>${records.join('')}</result></readMetadataResponse>${END}`,
  };
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
