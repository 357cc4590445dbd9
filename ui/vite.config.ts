// Vite for the otpilot-tray web front end. Tauri loads `dist/` (frontendDist "../ui/dist")
// from its own custom protocol, so asset URLs are relative (`base: './'`); in development
// Tauri's devUrl points at the fixed port below.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  base: './',
  // Keep Tauri CLI's output (Rust compile errors) on screen.
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
    watch: { ignored: ['**/src-tauri/**'] },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK (Linux), WKWebView (macOS) and WebView2 (Windows) all run ES2022.
    target: 'es2022',
    // One small bundle: nothing here is worth a separate request.
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
  },
});
