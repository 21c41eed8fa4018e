import { describe, expect, it } from 'vitest';
import { findChromium } from '../../tools/chromium/findChromium.js';
import { chromiumArgs } from '../../tools/chromium/openWardline.js';
import { resolveRendererFile } from '../../tools/chromium/rendererRoute.js';

describe('Chromium dev shell', () => {
  it('opens the DevTools port on loopback only, and only when asked', () => {
    expect(chromiumArgs().some((a) => a.startsWith('--remote-debugging-port'))).toBe(false);
    const args = chromiumArgs(9333);
    expect(args).toContain('--remote-debugging-port=9333');
    expect(args).toContain('--remote-debugging-address=127.0.0.1');
    // Chromium must not phone home from a clinical workstation.
    expect(args).toContain('--disable-background-networking');
  });

  it('fails with an install hint when Chromium is missing, and never downloads one', () => {
    expect(() => findChromium({ PATH: '/nonexistent' })).toThrow(/apt-get install chromium/);
    expect(() => findChromium({ WARDLINE_CHROMIUM: '/nonexistent/chrome', PATH: '' })).toThrow(/WARDLINE_CHROMIUM/);
  });

  it('serves only files inside the built renderer', () => {
    expect(resolveRendererFile('/app/dist', '/')).toBe('/app/dist/index.html');
    expect(resolveRendererFile('/app/dist', '/assets/x.js')).toBe('/app/dist/assets/x.js');
    expect(resolveRendererFile('/app/dist', '/../secret')).toBeNull();
    expect(resolveRendererFile('/app/dist', '/%2e%2e/%2e%2e/etc/passwd')).toBeNull();
    expect(resolveRendererFile('/app/dist', '/%E0%A4%A')).toBeNull();
  });
});
