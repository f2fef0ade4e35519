import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The dashboard is served by the gateway from `dist/` (DASHBOARD_DIR) at `/`. In development, `vite`
 * forwards the API to a running gateway (GATEWAY_PORT, default 8080) so the same origin rules apply.
 */
// No Node types in this project (it is browser code), so reach the environment through globalThis.
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const gateway = `http://127.0.0.1:${env.GATEWAY_PORT ?? '8080'}`;

export default defineConfig({
  plugins: [react()],
  // The shared HTTP contracts are bundled from their TypeScript source (no prior build of the package).
  resolve: {
    alias: {
      '@arasul/contracts': new URL('../../packages/contracts/src/index.ts', import.meta.url).pathname,
    },
  },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // The budget that matters is gzip (250 KB initial, see README); react-dom alone is ~180 KB minified.
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { '/api': gateway, '/v1': gateway, '/ollama': gateway },
  },
});
