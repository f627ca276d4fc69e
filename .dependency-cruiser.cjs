/**
 * The layers of src/, lowest first: a folder imports only from layers below it (or from itself),
 * and no module takes part in an import cycle. `npm test` checks both (dependency-cruiser).
 */
const LAYERS = [
  ['errors'],
  ['store'],
  ['connectors'],
  ['security'],
  ['verification'],
  ['datasources', 'auth'],
  ['catalog', 'planner'],
  ['jobs'],
  ['config'],
  ['engine'],
  ['timers', 'metrics'],
  ['cluster'],
  ['web', 'api'],
  ['server', 'demo'],
  ['cli'],
];

const path = (names) => `^src/(${names.join('|')})([./]|$)`;

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'Import cycles hide which part depends on which.', severity: 'error', from: { path: '^src' }, to: { circular: true } },
    ...LAYERS.slice(0, -1).map((layer, i) => ({
      name: `no-upward-from-${layer.join('-')}`,
      comment: `${layer.join(', ')} may not import from the layers above it`,
      severity: 'error',
      from: { path: path(layer) },
      to: { path: path(LAYERS.slice(i + 1).flat()) },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
