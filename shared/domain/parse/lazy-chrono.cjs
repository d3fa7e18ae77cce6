// chrono-node's languages, each loaded the first time a forwarded date needs it: the shapes most
// clients print are read without chrono (forwarded-date.ts), and loading it all costs a process
// 150-250 ms of CPU (about 70 ms of a bundled function's start). CommonJS, so that a plain
// require() defers the load in the Lambda bundle as well: esbuild evaluates a required module
// when the require runs. One literal require per language, so the bundle holds only these.
exports.chronoLocales = {
  en: () => require('chrono-node/en'),
  de: () => require('chrono-node/de'),
  fr: () => require('chrono-node/fr'),
  es: () => require('chrono-node/es'),
  it: () => require('chrono-node/it'),
  nl: () => require('chrono-node/nl'),
  pt: () => require('chrono-node/pt'),
  sv: () => require('chrono-node/sv'),
  ru: () => require('chrono-node/ru'),
  uk: () => require('chrono-node/uk'),
  ja: () => require('chrono-node/ja'),
};
