import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The collector serves the built app and the query API from one origin (port 4000), so the
// app calls `/api/v1/...` relative. In development the Vite server proxies `/api` there.
const collector = process.env.GATEHOUSE_COLLECTOR_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  plugins: [react()],
  server: { host: '127.0.0.1', port: 5173, proxy: { '/api': collector } },
  preview: { host: '127.0.0.1', port: 4173, proxy: { '/api': collector } },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 700 },
});
