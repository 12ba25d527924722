/** The function artifact's entry points (bundled as `index.mjs` in `dist/function.zip`). */
export { collect, collectEvent } from './handler.ts';
