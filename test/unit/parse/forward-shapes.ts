/**
 * Forward and reply shapes as mail clients write them, per client and language: the layouts
 * email-forward-parser knows (Apple Mail, Gmail, Outlook Live / 365, new Outlook, Outlook 2019
 * for Mac, Outlook 2013, Thunderbird, Yahoo Mail, HubSpot, IONOS, MailMate, Missive), written
 * here with the project's own people and text. Each shape becomes a plain-text and an
 * HTML-only message in forwarded-shapes.test.ts.
 */

export const ORIGINAL = {
  from: { name: 'Jane Doe', address: 'jane.doe@globex.example' },
  to: 'alice@acme.example',
  subject: 'Delivery window for ORD-20417',
  /** Wednesday 14 October 2026, 09:41, written without a zone by most clients (read as UTC). */
  date: '2026-10-14T09:41:00.000Z',
  body: 'Could the delivery for ORD-20417 move to Thursday?\nOur dock closes at four.\n\nThanks,\nJane',
};
const F = ORIGINAL.from;
const FROM = `${F.name} <${F.address}>`;
const TO = ORIGINAL.to;
const CC = 'Carl Ruiz <carl@globex.example>, Dana <dana@globex.example>';
const S = ORIGINAL.subject;
const B = ORIGINAL.body;
const NOTE = 'Please log this with the order.';

export interface Shape {
  name: string;
  /** Subject of the message that carries the body. */
  subject: string;
  body: string;
  /** null: a reply or a plain message, not a forward. */
  expect: { from: string | null; subject: string; date: string; to: boolean; name?: string } | null;
}

const forward = (name: string, subject: string, body: string, to = true): Shape => ({
  name,
  subject,
  body,
  expect: { from: F.address, subject: S, date: ORIGINAL.date, to },
});
const reply = (name: string, subject: string, body: string): Shape => ({ name, subject, body, expect: null });

/** Dates as each language's clients print 14 October 2026, 09:41: [long form, Gmail form]. */
const DATES: Record<string, [string, string]> = {
  cs: ['14. října 2026 9:41', 'st 14. 10. 2026 v 9:41'],
  da: ['14. oktober 2026 kl. 09.41', 'ons. 14. okt. 2026 kl. 09.41'],
  de: ['14. Oktober 2026 um 09:41', 'Mi., 14. Okt. 2026 um 09:41 Uhr'],
  en: ['14 October 2026 at 09:41', 'Wed, Oct 14, 2026 at 9:41 AM'],
  es: ['14 de octubre de 2026, 9:41', 'mié, 14 oct 2026 a las 9:41'],
  et: ['14. oktoober 2026 kell 09:41', 'K, 14. oktoober 2026 kell 09:41'],
  fi: ['14. lokakuuta 2026 klo 9.41', 'ke 14. lokak. 2026 klo 9.41'],
  fr: ['14 octobre 2026 à 09:41', 'mer. 14 oct. 2026 à 09:41'],
  hr: ['14. listopada 2026. u 09:41', 'sri, 14. lis 2026. u 09:41'],
  hu: ['2026. október 14. 9:41', '2026. okt. 14., Sze, 9:41'],
  it: ['14 ottobre 2026 09:41', 'mer 14 ott 2026 alle ore 09:41'],
  nl: ['14 oktober 2026 om 09:41', 'wo 14 okt. 2026 om 09:41'],
  no: ['14. oktober 2026 kl. 09:41', 'ons. 14. okt. 2026 kl. 09:41'],
  pl: ['14 października 2026 o 09:41', 'śr., 14 paź 2026 o 09:41'],
  pt: ['14 de outubro de 2026, 09:41', 'quarta, 14/10/2026 à(s) 09:41'],
  'pt-br': ['14 de outubro de 2026 09:41', 'qua., 14 de out. de 2026 às 09:41'],
  ro: ['14 octombrie 2026, 09:41', 'mie., 14 oct. 2026 la 09:41'],
  ru: ['14 октября 2026 г. в 9:41', 'ср, 14 окт. 2026 г. в 09:41'],
  sk: ['14. októbra 2026 o 9:41', 'st 14. 10. 2026 o 9:41'],
  sv: ['14 oktober 2026 09:41', 'ons 14 okt. 2026 kl 09:41'],
  tr: ['14 Ekim 2026 09:41', '14 Eki 2026 Çar, 09:41'],
  uk: ['14 жовтня 2026 р. о 09:41', 'ср, 14 жовт. 2026 о 09:41'],
  ja: ['2026年10月14日水曜日 9:41', '2026年10月14日 9:41'],
};
const long = (lang: string) => DATES[lang]![0];

/** Apple Mail: "Begin forwarded message:" and localised labels, all quoted with ">". */
const APPLE: [string, string, string, string, string, string, string][] = [
  ['cs', 'Začátek přeposílané zprávy:', 'Od', 'Předmět', 'Datum', 'Komu', 'Kopie'],
  ['da', 'Start på videresendt besked:', 'Fra', 'Emne', 'Dato', 'Til', 'Cc'],
  ['de', 'Anfang der weitergeleiteten Nachricht:', 'Von', 'Betreff', 'Datum', 'An', 'Kopie'],
  ['en', 'Begin forwarded message:', 'From', 'Subject', 'Date', 'To', 'Cc'],
  ['es', 'Inicio del mensaje reenviado:', 'De', 'Asunto', 'Fecha', 'Para', 'Cc'],
  ['fi', 'Välitetty viesti alkaa:', 'Lähettäjä', 'Aihe', 'Päivämäärä', 'Vastaanottaja', 'Kopio'],
  ['fr', 'Début du message réexpédié :', 'De', 'Objet', 'Date', 'À', 'Cc'],
  ['hr', 'Započni proslijeđenu poruku:', 'Šalje', 'Predmet', 'Datum', 'Prima', 'Cc'],
  ['hu', 'Továbbított levél kezdete:', 'Feladó', 'Tárgy', 'Dátum', 'Címzett', 'Másolat'],
  ['it', 'Inizio messaggio inoltrato:', 'Da', 'Oggetto', 'Data', 'A', 'Cc'],
  ['nl', 'Begin doorgestuurd bericht:', 'Van', 'Onderwerp', 'Datum', 'Aan', 'Kopie'],
  ['no', 'Videresendt melding:', 'Fra', 'Emne', 'Dato', 'Til', 'Kopi'],
  ['pl', 'Początek przekazywanej wiadomości:', 'Od', 'Temat', 'Data', 'Do', 'Dw'],
  ['pt', 'Início da mensagem reencaminhada:', 'De', 'Assunto', 'Data', 'Para', 'Cc'],
  ['pt-br', 'Início da mensagem encaminhada:', 'De', 'Assunto', 'Data', 'Para', 'Cc'],
  ['ro', 'Începe mesajul redirecționat:', 'Expeditorul', 'Subiectul', 'Dată', 'Destinatarul', 'Cc'],
  ['ru', 'Начало переадресованного сообщения:', 'Отправитель', 'Тема', 'Дата', 'Кому', 'Копия'],
  ['sk', 'Začiatok preposlanej správy:', 'Od', 'Predmet', 'Dátum', 'Pre', 'Cc'],
  ['sv', 'Vidarebefordrat mejl:', 'Från', 'Ämne', 'Datum', 'Till', 'Kopia'],
  ['tr', 'İleti başlangıcı:', 'Kimden', 'Konu', 'Tarih', 'Kime', 'Bilgi'],
  ['uk', 'Початок листа, що пересилається:', 'Від кого', 'Тема', 'Дата', 'Кому', 'Копія'],
];

/** Gmail: one separator for all languages, the From label localised, the rest in English. */
const GMAIL_FROM: Record<string, string> = {
  cs: 'Od',
  da: 'Fra',
  de: 'Von',
  en: 'From',
  es: 'De',
  et: 'Saatja',
  fi: 'Lähettäjä',
  fr: 'De',
  hr: 'Šalje',
  hu: 'Feladó',
  it: 'Da',
  nl: 'Van',
  no: 'Fra',
  pl: 'Od',
  pt: 'De',
  'pt-br': 'De',
  ro: 'De la',
  ru: 'От',
  sk: 'Od',
  sv: 'Från',
  tr: 'Gönderen',
  uk: 'Від',
};

/** Thunderbird: a localised separator and labels, values after a tab. [sep, Subject, Date, From, To, Cc] */
const THUNDERBIRD: Record<string, [string, string, string, string, string, string]> = {
  cs: ['-------- Přeposlaná zpráva --------', 'Předmět', 'Datum', 'Od', 'Komu', 'Kopie'],
  da: ['-------- Videresendt meddelelse --------', 'Subject', 'Date', 'From', 'To', 'CC'],
  de: ['-------- Weitergeleitete Nachricht --------', 'Betreff', 'Datum', 'Von', 'An', 'Kopie (CC)'],
  en: ['-------- Forwarded Message --------', 'Subject', 'Date', 'From', 'To', 'CC'],
  es: ['-------- Mensaje reenviado --------', 'Asunto', 'Fecha', 'De', 'Para', 'CC'],
  fi: ['-------- Välitetty viesti / Fwd.Msg --------', 'Aihe', 'Päiväys', 'Lähettäjä', 'Vastaanottaja', 'CC'],
  fr: ['-------- Message transféré --------', 'Sujet', 'Date', 'De', 'Pour', 'Copie à'],
  hr: ['-------- Proslijeđena poruka --------', 'Naslov', 'Datum', 'Šalje', 'Prima', 'CC'],
  hu: ['-------- Továbbított üzenet --------', 'Tárgy', 'Dátum', 'Feladó', 'Címzett', 'CC'],
  it: ['-------- Messaggio Inoltrato --------', 'Oggetto', 'Data', 'Mittente', 'A', 'CC'],
  nl: ['-------- Doorgestuurd bericht --------', 'Onderwerp', 'Datum', 'Van', 'Aan', 'CC'],
  no: ['-------- Videresendt melding --------', 'Emne', 'Dato', 'Fra', 'Til', 'CC'],
  pl: ['--- Treść przekazanej wiadomości ---', 'Temat', 'Data', 'Nadawca', 'Adresat', 'Kopia'],
  pt: ['-------- Mensagem reencaminhada --------', 'Assunto', 'Data', 'De', 'Para', 'CC'],
  'pt-br': ['-------- Mensagem encaminhada --------', 'Assunto', 'Data', 'De', 'Para', 'CC'],
  ro: ['-------- Mesaj redirecționat --------', 'Subiectul', 'Dată', 'de la', 'Către', 'CC'],
  ru: ['-------- Перенаправленное сообщение --------', 'Тема', 'Дата', 'От', 'Кому', 'Копия'],
  sk: ['-------- Preposlaná správa --- Forwarded Message --------', 'Predmet', 'Dátum', 'Od', 'Pre', 'Kópia'],
  sv: ['-------- Vidarebefordrat meddelande --------', 'Ämne', 'Datum', 'Från', 'Till', 'Kopia'],
  tr: ['-------- İletilen İleti --------', 'Konu', 'Tarih', 'Kimden', 'Kime', 'CC'],
  uk: ['-------- Переслане повідомлення --------', 'Тема', 'Дата', 'Від', 'Кому', 'CC'],
};

/** Yahoo Mail: the whole header block on one run-on line. [sep, From, To, Cc, Sent, Subject] */
const YAHOO: Record<string, [string, string, string, string, string, string]> = {
  cs: ['----- Přeposlaná zpráva -----', 'Od', 'Komu', 'Kopie', 'Datum', 'Předmět'],
  da: ['----- Videresendt meddelelse -----', 'Fra', 'Til', 'Cc', 'Sendt', 'Emne'],
  de: ['----- Weitergeleitete Nachricht -----', 'Von', 'An', 'CC', 'Gesendet', 'Betreff'],
  en: ['----- Forwarded Message -----', 'From', 'To', 'Cc', 'Sent', 'Subject'],
  es: ['----- Mensaje reenviado -----', 'De', 'Para', 'CC', 'Enviado', 'Asunto'],
  fi: ['----- Edelleenlähetetty viesti -----', 'Lähettäjä', 'Vastaanottaja', 'Kopio', 'Lähetetty', 'Aihe'],
  fr: ['----- Message transmis -----', 'De', 'À', 'Cc', 'Envoyé', 'Objet'],
  hu: ['----- Továbbított üzenet -----', 'Feladó', 'Címzett', 'Másolat', 'Elküldve', 'Tárgy'],
  it: ['----- Messaggio inoltrato -----', 'Da', 'A', 'Cc', 'Inviato', 'Oggetto'],
  nl: ['----- Doorgestuurd bericht -----', 'Van', 'Aan', 'Cc', 'Verzonden', 'Onderwerp'],
  no: ['----- Videresendt melding -----', 'Fra', 'Til', 'Kopi', 'Sendt', 'Emne'],
  pl: ['----- Przekazana wiadomość -----', 'Od', 'Do', 'Dw', 'Wysłano', 'Temat'],
  pt: ['----- Mensagem reencaminhada -----', 'De', 'Para', 'Cc', 'Enviado', 'Assunto'],
  'pt-br': ['----- Mensagem encaminhada -----', 'De', 'Para', 'Cc', 'Enviado', 'Assunto'],
  ro: ['----- Mesaj redirecționat -----', 'De la', 'Către', 'Cc', 'Trimis', 'Subiect'],
  ru: ['----- Пересылаемое сообщение -----', 'От', 'Кому', 'Копия', 'Отправлено', 'Тема'],
  sk: ['----- Preposlaná správa -----', 'Od', 'Komu', 'Kópia', 'Odoslané', 'Predmet'],
  sv: ['----- Vidarebefordrat meddelande -----', 'Från', 'Till', 'Kopia', 'Skickat', 'Ämne'],
  tr: ['----- İletilmiş Mesaj -----', 'Kimden', 'Kime', 'Cc', 'Gönderilen', 'Konu'],
  uk: ['----- Перенаправлене повідомлення -----', 'Від', 'Кому', 'Копія', 'Відправлено', 'Тема'],
};

/** HubSpot: a localised separator and labels. [sep, From, Date, Subject, To, Cc] */
const HUBSPOT: Record<string, [string, string, string, string, string, string]> = {
  de: ['Weitergeleitete Nachricht', 'Von', 'Datum', 'Betreff', 'An', 'Cc'],
  en: ['Forwarded message', 'From', 'Date', 'Subject', 'To', 'Cc'],
  es: ['Mensaje reenviado', 'De', 'Fecha', 'Asunto', 'A', 'Cc'],
  fi: ['Edelleenlähetetty viesti', 'Lähettäjä', 'Päivämäärä', 'Aihe', 'Vastaanottaja', 'Kopio'],
  fr: ['Message transféré', 'De', 'Date', 'Objet', 'À', 'Cc'],
  it: ['Messaggio inoltrato', 'Da', 'Data', 'Oggetto', 'A', 'Cc'],
  nl: ['Doorgestuurd bericht', 'Van', 'Datum', 'Onderwerp', 'Aan', 'Cc'],
  pl: ['Wiadomość przesłana dalej', 'Od', 'Data', 'Temat', 'Do', 'DW'],
  'pt-br': ['Mensagem encaminhada', 'De', 'Data', 'Assunto', 'Para', 'Cc'],
  sv: ['Vidarebefordrat meddelande', 'Från', 'Datum', 'Ämne', 'Till', 'Kopia'],
};

/** Outlook Live / 365: English labels under a rule; the subject prefix is the only localised part. */
const OUTLOOK_PREFIX: Record<string, string> = {
  cs: 'Fw',
  da: 'VS',
  de: 'WG',
  en: 'Fw',
  es: 'RV',
  fr: 'TR',
  hr: 'Fw',
  hu: 'Fw',
  it: 'I',
  nl: 'FW',
  no: 'Vs',
  pl: 'PD',
  pt: 'FW',
  'pt-br': 'ENC',
  ro: 'Redir.',
  sk: 'Fw',
  sv: 'VB',
};

/** New Outlook: no separator, localised labels, body right under. [prefix, From, Date, To, Cc, Subject] */
const NEW_OUTLOOK: Record<string, [string, string, string, string, string, string]> = {
  cs: ['FW', 'Od', 'Datum', 'Komu', 'Kopie', 'Předmět'],
  da: ['VS', 'Fra', 'Dato', 'Til', 'Cc', 'Emne'],
  de: ['WG', 'Von', 'Datum', 'An', 'Cc', 'Betreff'],
  en: ['FW', 'From', 'Date', 'To', 'Cc', 'Subject'],
  es: ['RV', 'De', 'Fecha', 'Para', 'CC', 'Asunto'],
  fi: ['VL', 'Lähettäjä', 'Päivämäärä', 'Vastaanottaja', 'Kopio', 'Aihe'],
  fr: ['TR', 'De', 'Envoyé', 'À', 'Cc', 'Objet'],
  hu: ['FW', 'Feladó', 'Dátum', 'Címzett', 'Másolatot kap', 'Tárgy'],
  it: ['I', 'Da', 'Data', 'A', 'Cc', 'Oggetto'],
  nl: ['FW', 'Van', 'Datum', 'Aan', 'CC', 'Onderwerp'],
  no: ['Videresend', 'Fra', 'Dato', 'Til', 'Kopi', 'Emne'],
  pl: ['PD', 'Od', 'Data', 'Do', 'DW', 'Temat'],
  pt: ['FW', 'De', 'Data', 'Para', 'CC', 'Assunto'],
  'pt-br': ['ENC', 'De', 'Data', 'Para', 'Cc', 'Assunto'],
  ru: ['FW', 'От', 'Дата', 'Кому', 'Копия', 'Тема'],
  sk: ['FW', 'Od', 'Dátum', 'Komu', 'Kópia', 'Predmet'],
  sv: ['VB', 'Från', 'Datum', 'Till', 'Kopia', 'Ämne'],
  tr: ['İLT', 'Kimden', 'Tarih', 'Kime', 'Bilgi', 'Konu'],
};

/** The line Outlook for Mac writes above a quoted message, per language (d: date, n: name, a: address). */
const QUOTE_LINE: Record<string, (d: string, n: string, a: string) => string> = {
  cs: (d, n, a) => `Dne ${d}, ${n} <${a}> napsal(a):`,
  da: (d, n, a) => `D. ${d} skrev "${n}" <${a}>:`,
  de: (d, n, a) => `Am ${d} schrieb "${n}" <${a}>:`,
  en: (d, n, a) => `On ${d}, "${n}" <${a}> wrote:`,
  es: (d, n, a) => `El ${d}, "${n}" <${a}> escribió:`,
  fi: (d, n, a) => `${n} <${a}> kirjoitti ${d}:`,
  fr: (d, n, a) => `Le ${d}, « ${n} » <${a}> a écrit :`,
  hu: (d, n, a) => `${d} időpontban ${n} <${a}> ezt írta:`,
  it: (d, n, a) => `Il giorno ${d} "${n}" <${a}> ha scritto:`,
  nl: (d, n, a) => `Op ${d} heeft ${n} <${a}> geschreven:`,
  no: (d, n, a) => `${n} <${a}> skrev følgende den ${d}:`,
  pl: (d, n, a) => `Dnia ${d} „${n}” <${a}> napisał:`,
  pt: (d, n, a) => `Em ${d}, "${n}" <${a}> escreveu:`,
  ru: (d, n, a) => `${d} пользователь "${n}" <${a}> написал:`,
  sk: (d, n, a) => `${d} používateľ ${n} (<${a}>) napísal:`,
  sv: (d, n, a) => `Den ${d} skrev "${n}" <${a}> följande:`,
  tr: (d, n, a) => `"${n}" <${a}>, ${d} tarihinde şunu yazdı:`,
};

const quoted = (text: string) =>
  text
    .split('\n')
    .map((l) => (l ? `> ${l}` : '>'))
    .join('\n');
const indented = (text: string) =>
  text
    .split('\n')
    .map((l) => (l ? `    ${l}` : ''))
    .join('\n');

function forwards(): Shape[] {
  const out: Shape[] = [];
  for (const [lang, sep, from, subject, date, to, cc] of APPLE) {
    const block = `${sep}\n\n${from}: ${FROM}\n${subject}: ${S}\n${date}: ${long(lang)}\n${to}: ${TO}\n${cc}: ${CC}\n\n${B}`;
    out.push(forward(`apple-mail ${lang}`, `Fwd: ${S}`, quoted(block)));
  }
  for (const [lang, from] of Object.entries(GMAIL_FROM)) {
    const gmailDate = DATES[lang]![1];
    const body = `${NOTE}\n\n---------- Forwarded message ---------\n${from}: ${FROM}\nDate: ${gmailDate}\nSubject: ${S}\nTo: <${TO}>\nCc: ${CC}\n\n\n${B}`;
    out.push(forward(`gmail ${lang}`, `Fwd: ${S}`, body));
  }
  // Gmail's plain-text alternative marks names in bold.
  out.push(
    forward(
      'gmail en, names in bold',
      `Fwd: ${S}`,
      `---------- Forwarded message ---------\nFrom: *${F.name}* <${F.address}>\nDate: ${DATES.en![1]}\nSubject: ${S}\nTo: <${TO}>\n\n${B}`,
    ),
  );
  for (const [lang, [sep, subject, date, from, to, cc]] of Object.entries(THUNDERBIRD)) {
    const body = `${sep}\n${subject}: \t${S}\n${date}: \tWed, 14 Oct 2026 11:41:00 +0200\n${from}: \t${FROM}\n${to}: \t${TO}\n${cc}: \t${CC}\n\n\n\n${B}`;
    out.push(forward(`thunderbird ${lang}`, `Fwd: ${S}`, body));
  }
  for (const [lang, [sep, from, to, cc, sent, subject]] of Object.entries(YAHOO)) {
    const body = `   ${sep} ${from}: ${FROM}${to}: "${TO}" <${TO}>${cc}: Carl Ruiz <carl@globex.example>; Dana <dana@globex.example>${sent}: ${long(lang)}${subject}: ${S}\n ${B}`;
    out.push(forward(`yahoo ${lang}`, `Fwd: ${S}`, body));
  }
  for (const [lang, [sep, from, date, subject, to, cc]] of Object.entries(HUBSPOT)) {
    const body = `---------- ${sep} ---------\n${from}: ${FROM}\n${date}: ${long(lang)}\n${subject}: ${S}\n${to}: ${TO}\n${cc}: ${CC}\n\n${B}`;
    out.push(forward(`hubspot ${lang}`, `Fwd: ${S}`, body));
  }
  out.push(
    forward(
      'hubspot ja',
      `Fwd: ${S}`,
      `---------- メッセージを転送 ---------\n送信元：${FROM}\n日付：${long('ja')}\n件名：${S}\n送信先：${TO}\nCC：${CC}\n\n${B}`,
    ),
  );
  for (const [lang, prefix] of Object.entries(OUTLOOK_PREFIX)) {
    const body = `${NOTE}\n\n________________________________\nFrom: ${FROM}\nSent: Wednesday, October 14, 2026 09:41\nTo: ${TO} <${TO}>\nCc: Carl Ruiz <carl@globex.example>; Dana <dana@globex.example>\nSubject: ${S}\n\n${B}`;
    out.push(forward(`outlook-live ${lang}`, `${prefix}: ${S}`, body));
  }
  for (const [lang, [prefix, from, date, to, cc, subject]] of Object.entries(NEW_OUTLOOK)) {
    const body = `${from}: ${FROM}\n${date}: ${long(lang)}\n${to}: ${TO} <${TO}>\n${cc}: ${CC}\n${subject}: ${S}\n${B}`;
    out.push(forward(`new-outlook ${lang}`, `${prefix}: ${S}`, body));
  }
  for (const [lang, line] of Object.entries(QUOTE_LINE)) {
    const body = `\uFEFF${line('14/10/2026 09:41', F.name, F.address)}\n\n${indented(B)}`;
    out.push(forward(`outlook-mac forward ${lang}`, `FW: ${S}`, body, false));
  }
  out.push(
    forward(
      'outlook-2013 en',
      `FW: ${S}`,
      `From: ${F.name} [mailto:${F.address}]\nSent: 14 October 2026 09:41\nTo: ${TO}\nCc: Carl Ruiz [mailto:carl@globex.example]\nSubject: ${S}\n\n\n${B}`,
    ),
    forward(
      'ionos en',
      `Fwd: ${S}`,
      quoted(
        `---------- Original Message ----------\nFrom: ${FROM}\nTo: "${TO}" <${TO}>\nDate: 10/14/2026 9:41 AM\nSubject: ${S}\n \n \n${B}`,
      ),
    ),
    forward(
      'mailmate en',
      `Fwd: ${S}`,
      `Forwarded message:\n\n${quoted(`From: ${FROM}\nTo: ${TO}\nCc: ${CC}\nSubject: ${S}\nDate: Wed, 14 Oct 2026 09:41:00 +0000\n\n${B}`)}`,
    ),
    forward(
      'missive en',
      `Fwd: ${S}`,
      `---------- Forwarded message ----------\nFrom: ${FROM}\nDate: October 14, 2026 at 9:41 AM\nTo: ${TO}\nCc: ${CC}\nSubject: ${S}\n\n${quoted(B)}`,
    ),
    {
      name: 'original-message, names only',
      subject: `FW: ${S}`,
      body: `-----Original Message-----\nFrom: ${F.name}\nSent: 14 October 2026 09:41\nTo: Alice Rep\nSubject: ${S}\n\n${B}`,
      expect: { from: null, subject: S, date: ORIGINAL.date, to: false },
    },
  );
  return out;
}

/** Lotus Notes / Domino: the separator lines it writes above a forwarded document. */
const NOTES_DASHED =
  '---------------------- Forwarded by Alice Rep/Sales/ACME on 10/15/2026 08:30 AM ---------------------------';
const NOTES_SHORT = '----- Forwarded by Alice Rep/Sales/ACME on 10/15/2026 08:30 AM -----';
/** The original as Notes prints its date: month first, 12-hour clock. */
const NOTES_DATE = '10/14/2026 09:41 AM';
const NOTES_CC = 'Carl Ruiz <carl@globex.example>, Dana <dana@globex.example>';
/** An Exchange-encapsulated copy of the original sender (IMCEANOTES wrapping "Jane Doe" <jane.doe@…>@ACME). */
const IMCEA = 'IMCEANOTES-+22Jane+20Doe+22+20+3Cjane+2Edoe+40globex+2Eexample+3E+40ACME@acme.example';

function notesForwards(): Shape[] {
  const header = `"${F.name}" <${F.address}> on ${NOTES_DATE}\nTo: ${TO}\ncc: ${NOTES_CC}\nSubject: ${S}`;
  const colleague = `Ruth Mallory/Sales/ACME@ACME on 10/15/2026 08:02 AM\nTo: Alice Rep/Sales/ACME@ACME\ncc: \nSubject: ${S}`;
  return [
    forward('notes dashed, subject kept', S, `${NOTES_DASHED}\n\n\n${header}\n\n\n${B}`),
    forward('notes dashed, subject RE:', `RE: ${S}`, `${NOTE}\n\n${NOTES_DASHED}\n\n\n${header}\n\n${B}`),
    forward(
      'notes dashed, separator wrapped by the mailer',
      `RE: ${S}`,
      `${NOTES_DASHED.slice(0, 80)}\n${NOTES_DASHED.slice(81)}\n\n${header}\n\n${B}`,
    ),
    forward(
      'notes short separator, tabbed header, date on its own line',
      `RE: ${S}`,
      `${NOTES_SHORT}\n\n\t"${F.name}" <${F.address}>\n\t${NOTES_DATE}\n\tPlease respond to jane.doe\n\n\t\t \n\t\t To:\t${TO}\n\t\t cc:\t${NOTES_CC}\n\t\t Subject:\t${S}\n\n${B}`,
    ),
    forward(
      'notes short separator, header table flattened on one line',
      `RE: ${S}`,
      `${NOTES_SHORT}\n\n\t"${F.name}" <${F.address}>\t${NOTES_DATE}\t\t To: ${TO}\t\t cc: ${NOTES_CC}\t\t Subject: ${S}\n\n${B}`,
    ),
    forward(
      'notes stacked separators (forwarded again without a note)',
      S,
      `${NOTES_DASHED}\n${NOTES_DASHED.replace('Alice Rep', 'Ruth Mallory')}\n\n\n${header}\n\n${B}`,
    ),
    forward(
      'notes nested through a colleague named by Notes',
      `Re: ${S}`,
      `${NOTES_DASHED}\n\n\n${colleague}\n\nAlice, this one is yours.\n\n${NOTES_DASHED.replace('Alice Rep', 'Ruth Mallory')}\n\n\n${header}\n\n${B}`,
    ),
    {
      // Exchange's "Last, First" display name is kept as written.
      ...forward(
        'notes separator over an Outlook header block, subject RE:',
        `RE: ${S}`,
        `${NOTES_SHORT}\n\nFrom:  "Doe, Jane" <${F.address}>\nSent:  Wednesday, October 14, 2026 9:41 AM\nTo:  "Rep, Alice" <${TO} <mailto:${TO}>>\nCc:  'carl@globex.example'; 'DANA@GLOBEX.EXAMPLE'\nSubject:  ${S}\n\n${B}`,
      ),
      expect: { from: F.address, subject: S, date: ORIGINAL.date, to: true, name: 'Doe, Jane' },
    },
    forward(
      'notes header naming a Notes user around an Outlook original',
      `FW: ${S}`,
      `${NOTES_DASHED}\n\n\n${colleague.replace(`Subject: ${S}`, `Subject: FW: ${S}`)}\n\nAlice - see below.\n\n -----Original Message-----\nFrom: \t"${F.name}" <${F.address}>@ACME [mailto:${IMCEA}] \nSent:\tWednesday, October 14, 2026 9:41 AM\nTo:\t'${TO}'\nCc:\tMallory, Ruth\nSubject:\t${S}\n\n${B}`,
    ),
    forward(
      'outlook-2013 en, sender encapsulated by Exchange',
      `FW: ${S}`,
      `From: ${F.name} [mailto:${IMCEA}]\nSent: 14 October 2026 09:41\nTo: '${TO}'; 'CARL@GLOBEX.EXAMPLE'\nSubject: ${S}\n\n\n${B}`,
    ),
  ];
}

function notesReplies(): Shape[] {
  const history = `Ruth Mallory/Sales/ACME@ACME on 10/15/2026 08:02 AM\nTo: Alice Rep/Sales/ACME@ACME\ncc: \nSubject: Re: ${S}\n\nCan you handle this?`;
  const forwarded = `${NOTES_DASHED}\n\n"${F.name}" <${F.address}> on ${NOTES_DATE}\nTo: ${TO}\nSubject: ${S}\n\n${B}`;
  return [
    reply(
      'notes reply with history holding a Notes forward',
      `Re: ${S}`,
      `Done.\n\n\n\n${history}\n\n${forwarded}`,
    ),
    reply(
      'notes reply with history, no subject prefix',
      S,
      `Done.\n\n\n\n${history.replace(`Subject: Re: ${S}`, `Subject: ${S}`)}\n\n${forwarded}`,
    ),
    reply(
      'reply quote header above a Notes forward',
      `Re: ${S}`,
      `Done.\n\nOn 14/10/2026 09:41, "Ruth Mallory" <ruth.mallory@acme.example> wrote:\n\n${forwarded}`,
    ),
    reply(
      'outlook reply whose quoted message holds a Notes forward',
      S,
      `Done.\n\n-----Original Message-----\nFrom: Ruth Mallory\nSent: Thursday, October 15, 2026 8:02 AM\nTo: Alice Rep\nSubject: ${S}\n\n${forwarded}`,
    ),
    reply('a Notes forward quoted with ">"', `Re: ${S}`, `Done.\n\n${quoted(forwarded)}`),
  ];
}

function replies(): Shape[] {
  const out: Shape[] = [];
  const answer = 'That works for us.\n\nRegards,\nAlice\n\n';
  for (const [lang, line] of Object.entries(QUOTE_LINE)) {
    const quote = `${line('14/10/2026 09:41', F.name, F.address)}\n\n${indented(B)}`;
    out.push(reply(`outlook-mac reply ${lang}`, `RE: ${S}`, `${answer}\uFEFF${quote}`));
    out.push(reply(`outlook-mac reply ${lang}, no subject prefix`, S, `${answer}${quote}`));
    out.push(reply(`outlook-mac reply ${lang}, byte-order mark first`, S, `\uFEFF${quote}`));
  }
  const quote = `On 14/10/2026 09:41, "${F.name}" <${F.address}> wrote:\n\n${indented(B)}`;
  out.push(
    reply('reply quoting the sender, no subject', '', `${answer}${quote}`),
    reply(
      'gmail reply, header wrapped before "wrote:"',
      `Re: ${S}`,
      `${answer}On Wed, Oct 14, 2026 at 9:41 AM ${F.name} <${F.address}>\nwrote:\n\n${quoted(B)}`,
    ),
    reply(
      'gmail reply in French',
      S,
      `${answer}Le mer. 14 oct. 2026 à 09:41, ${F.name} <${F.address}> a écrit :\n\n${quoted(B)}`,
    ),
    reply(
      'gmail reply in German',
      S,
      `${answer}Am Mi., 14. Okt. 2026 um 09:41 Uhr schrieb ${F.name} <${F.address}>:\n\n${quoted(B)}`,
    ),
    reply(
      'outlook live reply (header block like a forward, reply subject)',
      `RE: ${S}`,
      `${answer}________________________________\nFrom: ${FROM}\nSent: Wednesday, October 14, 2026 09:41\nTo: ${TO} <${TO}>\nSubject: ${S}\n\n${B}`,
    ),
    reply(
      'new outlook reply in German (AW:)',
      `AW: ${S}`,
      `${answer}Von: ${FROM}\nDatum: ${long('de')}\nAn: ${TO}\nBetreff: ${S}\n${B}`,
    ),
    reply(
      'reply whose quoted message holds a forward',
      `Re: ${S}`,
      `${answer}${quote}\n\n    ---------- Forwarded message ---------\n    From: Bob <bob@initech.example>\n    Subject: Older\n`,
    ),
    reply(
      'a reply quote header before a forward separator, no subject prefix',
      S,
      `${answer}${quote}\n\n---------- Forwarded message ---------\nFrom: Bob <bob@initech.example>\nDate: Wed, Oct 14, 2026 at 9:41 AM\nSubject: Older\nTo: <${TO}>\n\nOld text`,
    ),
    reply(
      'gmail reply in Spanish, address in brackets',
      S,
      `${answer}El mié, 14 oct 2026 a las 9:41, ${F.name} (<${F.address}>) escribió:\n\n${quoted(B)}`,
    ),
    reply(
      'apple mail reply',
      S,
      `${answer}> On 14 Oct 2026, at 09:41, ${F.name} <${F.address}> wrote:\n> \n${quoted(B)}`,
    ),
    reply(
      'yahoo reply',
      S,
      `${answer}On Wednesday, October 14, 2026, 09:41:00 AM GMT+2, ${F.name} <${F.address}> wrote:\n\n${B}`,
    ),
    reply(
      'gmail reply in Japanese',
      S,
      `${answer}2026年10月14日(水) 9:41 ${F.name} <${F.address}>:\n\n${quoted(B)}`,
    ),
    reply(
      'gmail reply in Chinese',
      S,
      `${answer}${F.name} <${F.address}> 于2026年10月14日周三 上午9:41写道：\n\n${quoted(B)}`,
    ),
    reply('plain message', S, B),
  );
  return out;
}

export const SHAPES: Shape[] = [...forwards(), ...notesForwards(), ...replies(), ...notesReplies()];

const escapeHtml = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The HTML a client writes for the same text: a block per line, ">" quoting as nested blockquotes. */
export function asHtml(text: string): string {
  const out: string[] = [];
  let depth = 0;
  for (const line of text.split('\n')) {
    const marks = /^(>+) ?/.exec(line);
    const level = marks ? marks[1]!.length : 0;
    for (; depth < level; depth++) out.push('<blockquote type="cite">');
    for (; depth > level; depth--) out.push('</blockquote>');
    const rest = marks ? line.slice(marks[0].length) : line;
    out.push(rest.trim() === '' ? '<div><br></div>' : `<div>${escapeHtml(rest)}</div>`);
  }
  for (; depth > 0; depth--) out.push('</blockquote>');
  return `<html><body dir="ltr">\n${out.join('\n')}\n</body></html>`;
}
