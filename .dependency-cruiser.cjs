/**
 * Who may import whom (docs/ARCHITECTURE.md "Layers"). `npm run lint` fails on any arrow not in
 * the table.
 */
const layer = (name, mayImport) => ({
  name: `${name}-imports`,
  comment: `src/${name} may import only: ${mayImport.join(', ') || 'nothing internal'}`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/${name}/`, ...mayImport.map((m) => `^src/${m}/`)],
  },
});

module.exports = {
  forbidden: [
    layer('domain', []),
    layer('contract', ['domain']),
    layer('protocol', ['domain']),
    layer('storage', ['domain']),
    layer('engine', ['domain', 'protocol', 'storage']),
    layer('runner', ['protocol', 'domain']),
    layer('server', ['engine', 'contract', 'protocol', 'domain']),
    layer('client', ['contract', 'domain']),
    layer('cli', ['client', 'contract', 'domain']),
    {
      name: 'web-imports',
      comment:
        'the dashboard talks to the server only through the typed client and the contract, and shares the pure domain',
      severity: 'error',
      from: { path: '^web/src/' },
      to: { path: '^src/', pathNot: ['^src/client/', '^src/contract/', '^src/domain/'] },
    },
    {
      name: 'engine-uses-storage-ports-only',
      comment: 'the engine sees storage through its ports and errors, never an adapter',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: '^src/storage/', pathNot: ['^src/storage/(ports|errors)\\.ts$'] },
    },
    {
      name: 'server-no-adapters',
      comment: 'adapters are injected into the server, never imported by it',
      severity: 'error',
      from: { path: '^src/server/' },
      to: { path: '^src/storage/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
