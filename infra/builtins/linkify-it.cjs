// linkify-it for the Lambda bundles, built on first use. mailparser builds and configures a
// linkify-it instance as it loads (about 20 ms: linkify-it compiles its patterns again for each
// setting), to turn URLs into links in the HTML it makes of a text body. The parse stage asks for
// no such HTML (skipTextToHtml, skipTextLinks), so the instance is never used: this one records
// the settings and builds the real instance with them the first time anything else is asked.
'use strict';
// The real module, by a name the bundling options alias to its file (infra/bundling.ts).
const LinkifyIt = require('linkify-it-eager');

const SETTINGS = new Set(['tlds', 'add', 'set']);

function lazyLinkifyIt(...options) {
  let real = null;
  const settings = [];
  const built = () => {
    if (!real) {
      real = new LinkifyIt(...options);
      lazyLinkifyIt.built++;
      for (const [name, args] of settings) real[name](...args);
    }
    return real;
  };
  const instance = new Proxy(
    {},
    {
      get(_target, name) {
        if (!real && SETTINGS.has(name))
          return (...args) => {
            settings.push([name, args]);
            return instance;
          };
        const value = built()[name];
        return typeof value === 'function' ? value.bind(real) : value;
      },
    },
  );
  return instance;
}

/** Real instances built so far (the tests read it). */
lazyLinkifyIt.built = 0;

module.exports = lazyLinkifyIt;
