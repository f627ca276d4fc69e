import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The console's own files; the same folder from src/web and from dist/web. */
const PUBLIC_DIR = fileURLToPath(new URL('../../src/web/public/', import.meta.url));

/**
 * The browser modules the console imports (named in index.html's import map): the ES module build
 * that sits beside each package's main file in node_modules.
 */
const VENDOR: Record<string, [pkg: string, file: string]> = {
  'preact.js': ['preact', 'preact.module.js'],
  'hooks.js': ['preact/hooks', 'hooks.module.js'],
  'htm.js': ['htm', 'htm.module.js'],
  'uplot.js': ['uplot', 'uPlot.esm.js'],
  'uplot.css': ['uplot', 'uPlot.min.css'],
  'pretty-bytes.js': ['pretty-bytes', 'index.js'],
  'pretty-ms.js': ['pretty-ms', 'index.js'],
  'parse-ms.js': ['parse-ms', 'index.js'],
};
const require = createRequire(import.meta.url);

/** Serves the web console at /console/ (a single page over the public API) and sends / there. */
export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/console/', index: 'index.html' });
  app.get('/console/vendor/:file', { schema: { hide: true } }, async (req, reply) => {
    const vendor = VENDOR[(req.params as { file: string }).file];
    if (!vendor) return reply.callNotFound();
    return reply.type(vendor[1].endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8').sendFile(vendor[1], dirname(require.resolve(vendor[0])));
  });
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/console/'));
}
