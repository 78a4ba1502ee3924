// Any picture of a digit turned into an MNIST one: the steps of digitclf's `to_mnist` (chapter 8), ported
// one for one, so that the browser's 28x28 image is the one `digitclf predict` makes from the same file.
// An image is {data, h, w}: its pixels row by row, in a Float32Array or Float64Array.

export const MAX_SIDE = 1024;  // pictures whose longer side is over this are reduced first

/** `shrink`: RGBA pixels w x h reduced by a whole factor, each pixel the mean of a block (PIL's `reduce`), so that the longer side is at most `maxSide` */
export function shrink(rgba, w, h, maxSide = MAX_SIDE) {
  const k = Math.ceil(Math.max(w, h)/maxSide);
  if (k <= 1) return {rgba, w, h};
  const W = Math.ceil(w/k), H = Math.ceil(h/k), out = new Uint8ClampedArray(4*W*H);
  for (let Y = 0; Y < H; Y++) {
    for (let X = 0; X < W; X++) {
      const y1 = Math.min(Y*k + k, h), x1 = Math.min(X*k + k, w), n = (y1 - Y*k)*(x1 - X*k), sum = [0, 0, 0, 0];
      for (let y = Y*k; y < y1; y++) for (let x = X*k; x < x1; x++) for (let c = 0; c < 4; c++) sum[c] += rgba[4*(y*w + x) + c];
      const times = Math.floor(Math.fround(2**32/(256*n)));  // the mean, rounded in PIL's fixed point: (sum + n/2)*(2**24/n) >> 24
      for (let c = 0; c < 4; c++) out[4*(Y*W + X) + c] = Math.floor((sum[c] + Math.floor(n/2))*times/2**24);
    }
  }
  return {rgba: out, w: W, h: H};
}

/** `grey_pixels`: the brightness of each pixel of RGBA data already laid over white paper, as PIL's `convert('L')` */
export function greyPixels(rgba, w, h) {
  const data = new Float32Array(w*h);
  for (let i = 0; i < w*h; i++) {
    const luma = (rgba[4*i]*19595 + rgba[4*i + 1]*38470 + rgba[4*i + 2]*7471 + 0x8000) >> 16;  // PIL's ITU-R 601-2 luma
    data[i] = luma/255;
  }
  return {data, h, w};
}

/** Where the pixels along the four edges of an image h x w are, each once, in the order of `border` */
function borderIndex(h, w) {
  const out = [];
  for (let x = 0; x < w; x++) out.push(x);
  for (let x = 0; x < w; x++) out.push((h - 1)*w + x);
  for (let y = 1; y < h - 1; y++) out.push(y*w);
  for (let y = 1; y < h - 1; y++) out.push(y*w + w - 1);
  return out;
}

/** `border`: the pixels along the four edges of `a`, each once */
export const border = a => borderIndex(a.h, a.w).map(i => a.data[i]);

function median(v) {
  const s = Float64Array.from(v).sort(), n = s.length;
  return n % 2 ? s[(n - 1)/2] : (s[n/2 - 1] + s[n/2])/2;
}

/** Median absolute deviation, scaled to estimate a standard deviation */
function mad(v) {
  const m = median(v);
  return 1.4826*median(v.map(x => Math.abs(x - m)));
}

/** The coefficients c minimising |A c - b|, A given by its rows: the normal equations, by Gaussian elimination */
function leastSquares(rows, b) {
  const n = rows[0].length, M = Array.from({length: n}, () => new Float64Array(n + 1));
  rows.forEach((r, k) => {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) M[i][j] += r[i]*r[j];
      M[i][n] += r[i]*b[k];
    }
  });
  const scale = Math.max(...M.map((r, i) => Math.abs(r[i]))), coef = new Float64Array(n), pivots = [];
  for (let col = 0, row = 0; col < n && row < n; col++) {  // elimination with partial pivoting
    let p = row;
    for (let i = row + 1; i < n; i++) if (Math.abs(M[i][col]) > Math.abs(M[p][col])) p = i;
    if (Math.abs(M[p][col]) <= 1e-12*scale) continue;  // a direction the data does not fix: its coefficient stays 0
    [M[row], M[p]] = [M[p], M[row]];
    for (let i = 0; i < n; i++) {
      if (i === row) continue;
      const f = M[i][col]/M[row][col];
      for (let j = col; j <= n; j++) M[i][j] -= f*M[row][j];
    }
    pivots.push([row++, col]);
  }
  for (const [row, col] of pivots) coef[col] = M[row][n]/M[row][col];
  return coef;
}

/** `background`: the brightness `a` would have without its ink, a degree-2 surface fitted to the border, leaving out ink that touches it */
export function background(a) {
  const {h, w} = a, size = Math.max(h, w);
  const terms = (y, x) => [1, x, y, x*y, x*x, y*y];
  const where = borderIndex(h, w);
  const edge = border(a), cut = median(edge) + 3*mad(edge);
  const keep = where.filter((_, k) => edge[k] <= cut);
  const c = leastSquares(keep.map(i => terms(Math.floor(i/w)/size, (i % w)/size)), keep.map(i => a.data[i]));
  const data = new Float64Array(h*w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [u, v] = [x/size, y/size];
      data[y*w + x] = c[0] + c[1]*u + c[2]*v + c[3]*u*v + c[4]*u*u + c[5]*v*v;
    }
  }
  return {data, h, w};
}

/** `ink_on_black`: MNIST's convention for any picture, light ink on a black background, whichever way round it was, under any light */
export function inkOnBlack(a, minContrast = 0.1) {
  const {h, w} = a, n = h*w;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) { lo = Math.min(lo, a.data[i]); hi = Math.max(hi, a.data[i]); }
  if (hi - lo < minContrast) throw new Error('no ink: the image is blank (all its pixels have about the same brightness)');
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = (a.data[i] - lo)/(hi - lo);
  if (median(border({data, h, w})) > 0.5) for (let i = 0; i < n; i++) data[i] = 1 - data[i];  // a light border: dark ink on paper
  const ink = background({data, h, w}).data;
  let top = -Infinity;
  for (let i = 0; i < n; i++) { ink[i] = data[i] - ink[i]; top = Math.max(top, ink[i]); }
  const edge = border({data: ink, h, w}), black = median(edge) + 3*mad(edge);
  if (top - black < minContrast) throw new Error('no ink: nothing stands out from the background');
  for (let i = 0; i < n; i++) ink[i] = Math.min(Math.max((ink[i] - black)/(top - black), 0), 1);
  return {data: ink, h, w};
}

const lanczos = x => {  // PIL's Lanczos-3 filter: a sinc truncated by a wider sinc
  const sinc = t => t === 0 ? 1 : Math.sin(Math.PI*t)/(Math.PI*t);
  return -3 <= x && x < 3 ? sinc(x)*sinc(x/3) : 0;
};

/** The weights of PIL's resampling along one axis: for each output pixel, the first input pixel and the weights from there */
function coefficients(inSize, in0, in1, outSize) {
  const scale = (in1 - in0)/outSize, filterScale = Math.max(scale, 1), support = 3*filterScale;  // wider when shrinking
  return Array.from({length: outSize}, (_, i) => {
    const center = in0 + (i + 0.5)*scale;
    const first = Math.max(Math.trunc(center - support + 0.5), 0), last = Math.min(Math.trunc(center + support + 0.5), inSize);
    const k = Array.from({length: Math.max(last - first, 0)}, (_, j) => lanczos((j + first - center + 0.5)/filterScale));
    const total = k.reduce((s, v) => s + v, 0);
    return {first, k: total === 0 ? k : k.map(v => v/total)};
  });
}

/** PIL's `Image.resize(size, LANCZOS, box)` of a float ('F') image: the box (left, top, right, bottom) of `a` to `outW` x `outH` */
export function resizeLanczos(a, [outW, outH], [left, top, right, bottom]) {
  const cx = coefficients(a.w, left, right, outW), cy = coefficients(a.h, top, bottom, outH);
  const y0 = cy[0].first, y1 = cy[outH - 1].first + cy[outH - 1].k.length;  // the input rows used: PIL resizes them across first
  const tmp = new Float32Array((y1 - y0)*outW);
  for (let y = y0; y < y1; y++) {
    for (let x = 0; x < outW; x++) {
      const {first, k} = cx[x];
      let s = 0;
      for (let j = 0; j < k.length; j++) s += a.data[y*a.w + first + j]*k[j];
      tmp[(y - y0)*outW + x] = s;
    }
  }
  const data = new Float32Array(outW*outH);
  for (let y = 0; y < outH; y++) {
    const {first, k} = cy[y];
    for (let x = 0; x < outW; x++) {
      let s = 0;
      for (let j = 0; j < k.length; j++) s += tmp[(first - y0 + j)*outW + x]*k[j];
      data[y*outW + x] = s;
    }
  }
  return {data, h: outH, w: outW};
}

const roundHalfEven = v => {  // Python's round()
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 ? r - 1 : r;
};

/** `fit_20`: crop `a` to its ink and scale it to fit a 20x20 box, keeping the aspect ratio, as MNIST's digits were */
export function fit20(a, ink = 0.2, margin = 2) {
  const {h, w} = a;
  let r0 = h, r1 = -1, c0 = w, c1 = -1;  // the bounding box of the ink
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (a.data[y*w + x] > ink) { r0 = Math.min(r0, y); r1 = Math.max(r1, y); c0 = Math.min(c0, x); c1 = Math.max(c1, x); }
    }
  }
  const bh = r1 + 1 - r0, bw = c1 + 1 - c0, scale = 20/Math.max(bh, bw);
  const pad = Math.ceil(margin/scale), m = margin/scale;  // zeros around `a`, so that the box plus its margin lies inside
  const padded = {data: new Float32Array((h + 2*pad)*(w + 2*pad)), h: h + 2*pad, w: w + 2*pad};
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) padded.data[(y + pad)*padded.w + x + pad] = a.data[y*w + x];
  const box = [c0 + pad - m, r0 + pad - m, c1 + 1 + pad + m, r1 + 1 + pad + m];
  const out = resizeLanczos(padded, [roundHalfEven(bw*scale) + 2*margin, roundHalfEven(bh*scale) + 2*margin], box);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.min(Math.max(out.data[i], 0), 1);
  return out;
}

/** `center_28`: `d` in a 28x28 frame with its centre of mass at the pixel nearest (14, 14), as MNIST's digits were */
export function center28(d) {
  let total = 0, sy = 0, sx = 0;
  for (let y = 0; y < d.h; y++) for (let x = 0; x < d.w; x++) { const v = d.data[y*d.w + x]; total += v; sy += v*y; sx += v*x; }
  const top = Math.floor(14.5 - sy/total), left = Math.floor(14.5 - sx/total), out = new Float32Array(28*28);
  for (let y = Math.max(top, 0); y < Math.min(top + d.h, 28); y++) {
    for (let x = Math.max(left, 0); x < Math.min(left + d.w, 28); x++) out[y*28 + x] = d.data[(y - top)*d.w + x - left];
  }
  return out;
}

/** `to_mnist` from grey pixels: light ink on black, cropped to the ink and fitted in 20x20, centred by mass in 28x28 */
export function toMnist(grey) {
  return center28(fit20(inkOnBlack(grey)));
}
