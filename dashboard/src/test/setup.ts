import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

// jsdom has no canvas: charts are drawn by uPlot in the browser (covered by the Chromium e2e);
// here a stand-in records that a plot was built so pages render.
vi.mock('uplot', () => {
  class FakePlot {
    constructor(_opts: unknown, _data: unknown, host: HTMLElement) {
      const c = document.createElement('div');
      c.setAttribute('data-testid', 'uplot');
      host.appendChild(c);
    }
    setData() {}
    setSize() {}
    destroy() {}
  }
  return { default: FakePlot };
});

afterEach(() => {
  cleanup();
  sessionStorage.clear();
});
