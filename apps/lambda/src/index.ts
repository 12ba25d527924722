/** The Lambda artifact's entry: `index.handler` (bundled as `index.mjs` in `dist/lambda.zip`). */
export { handler, type LambdaResponse } from './handler.ts';
