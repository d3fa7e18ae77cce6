// node:http for the Lambda bundles, taken as a CommonJS module. Imported as an ES module, Node
// builds a facade that reads every export, and node:http's WebSocket export loads Node's whole
// fetch implementation on first read: about 35 ms of every cold start, for a class never used.
module.exports = process.getBuiltinModule('node:http');
