/**
 * tally's architecture, checked in CI (`npm run deps`): no import cycles, and
 * every import points down the layers (docs/architecture.md):
 *
 *   0 core      vocabulary and primitives: errors, money, time, dimensions, classes, logger, metrics
 *   1 events    the wire contract (schema, envelopes, parse, stamp)
 *   2 normalize provider usage shapes → canonical usage
 *   3 pricing   catalog, model resolution, the pricer
 *   4 pipeline  parse → stamp → normalize → price (PricedEvent)
 *   5 ports     eventlog/, store/, counters/ (each with its adapters)
 *   6 domains   processor/, budgets/, analytics/, reprice/, ingest/, billing/
 *   7 faces     api/, sdk/, demo/ (interfaces and the demo traffic driver)
 *   8 runtime   config/ and runtime/: one composition root per process
 *   9 cli       the `tally` command: parses flags, calls runtime
 *
 * A module may import its own folder and any lower layer. Two folders of the
 * same layer may not import each other (ports stay independent, domains meet
 * only in runtime), except where listed in SIBLINGS.
 */
const LAYERS = [
  ['core'],
  ['events'],
  ['normalize'],
  ['pricing'],
  ['pipeline'],
  ['eventlog', 'store', 'counters'],
  ['processor', 'budgets', 'analytics', 'reprice', 'ingest', 'billing'],
  ['api', 'sdk', 'demo', 'dashboard'],
  ['config', 'runtime'],
  ['cli'],
];

/** Same-layer imports that are part of the design. */
const SIBLINGS = {
  // The demo drives traffic through the ingest service like any producer; the API serves the dashboard's files.
  demo: [],
  runtime: ['config'],
};

const rules = [];
LAYERS.forEach((layer, i) => {
  const higher = LAYERS.slice(i + 1).flat();
  for (const folder of layer) {
    const forbidden = [...higher, ...layer.filter((f) => f !== folder && !(SIBLINGS[folder] ?? []).includes(f))];
    if (forbidden.length === 0) continue;
    rules.push({
      name: `layer-${folder}`,
      comment: `src/${folder}/ (layer ${i}) may import only its own folder and lower layers`,
      severity: 'error',
      from: { path: `^src/${folder}/` },
      to: { path: `^src/(${forbidden.join('|')})/` },
    });
  }
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import cycles, at any size',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-unknown-folder',
      comment: 'every folder of src/ has a layer (add new folders to LAYERS)',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(${LAYERS.flat().join('|')})/` },
      to: {},
    },
    ...rules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
