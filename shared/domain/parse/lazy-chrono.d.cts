/** chrono-node's languages that forwarded dates use, each loaded on its first call. */
export declare const chronoLocales: {
  en: () => typeof import('chrono-node/en');
  de: () => typeof import('chrono-node/de');
  fr: () => typeof import('chrono-node/fr');
  es: () => typeof import('chrono-node/es');
  it: () => typeof import('chrono-node/it');
  nl: () => typeof import('chrono-node/nl');
  pt: () => typeof import('chrono-node/pt');
  sv: () => typeof import('chrono-node/sv');
  ru: () => typeof import('chrono-node/ru');
  uk: () => typeof import('chrono-node/uk');
  ja: () => typeof import('chrono-node/ja');
};
