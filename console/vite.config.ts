import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console is built from console/ into console/dist; the local gateway and CloudFront serve it
// at `/`, with the API on the same origin under /v1 (no CORS, no API URL to configure).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, reportCompressedSize: false, chunkSizeWarningLimit: 1000 },
});
