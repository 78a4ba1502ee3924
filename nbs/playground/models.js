// The book's models in the browser: pixel similarity in plain JavaScript (chapters 2 and 4), and the CNN of
// chapter 7 with the weights `digitclf` trained, exported to ONNX and run by onnxruntime-web. The pixel models need
// only `models.json`; onnxruntime-web (14 MB of WebAssembly) is imported when the CNN is loaded, after them.

/** The distance of the image `x` (784 pixels) to each mean image of `means`: `dist(x[None], means)` of chapter 4, by hand */
export function distances(x, means, kind = 'l1') {
  return means.map(mean => {
    let total = 0;
    for (let i = 0; i < x.length; i++) {
      const d = x[i] - mean[i];
      total += kind === 'l1' ? Math.abs(d) : d*d;  // mnist_distance: mean absolute difference; rmse_distance: root mean square
    }
    return kind === 'l1' ? total/x.length : Math.sqrt(total/x.length);
  });
}

/** The position of the smallest (`sign` 1) or largest (`sign` -1) number of `v` */
export const argBest = (v, sign = 1) => v.reduce((best, x, i) => sign*x < sign*v[best] ? i : best, 0);

/** Fetch the file `name` of the folder `base` as `as` ('json', 'arrayBuffer') */
async function get(base, name, as) {
  const response = await fetch(new URL(name, base));
  if (!response.ok) throw new Error(`${response.url}: ${response.status} ${response.statusText}`);
  return response[as]();
}

/** What `digitclf.playground.export_playground` wrote into the folder `base` about the page's models: the pixel
 * models' mean images and digits, and where the CNN is (`models.json`, a few hundred kB: all pixel similarity needs) */
export const loadInfo = base => get(base, 'models.json', 'json');

/** onnxruntime-web's module (its WebAssembly, 14 MB, is fetched only when the CNN's session is made) */
export const importOrt = () => import('./ort/ort.wasm.min.mjs');

/** The CNN of `info`, run by onnxruntime-web (`ortModule`: its import, started early or here): a function from a
 * 28x28 image (Float32Array, light ink on black) to the probability of each of its digits */
export async function loadCnn(base, info, ortModule = importOrt()) {
  const ort = await ortModule;
  ort.env.wasm.wasmPaths = new URL('ort/', import.meta.url).href;  // the site's own copy: no CDN
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(new Uint8Array(await get(base, info.cnn.file, 'arrayBuffer')),
    {executionProviders: ['wasm'], graphOptimizationLevel: 'disabled'});  // export_onnx already optimised it
  return async x => {
    const out = await session.run({[info.cnn.input]: new ort.Tensor('float32', x, [1, 28, 28])});
    return Array.from(out[info.cnn.output].data);
  };
}
