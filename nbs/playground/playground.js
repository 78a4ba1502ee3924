// The page "Draw a digit" (chapter 10): the reader draws on the square #draw (mouse, pen or finger) or picks a
// photo in #photo; the picture goes through chapter 8's conversion (to_mnist.js) to the 28x28 image
// #mnist-input, which each model classifies. Each model's answer is an element with `data-model` and
// `data-digit` (its winning digit, empty when there is nothing to classify); after each update the element
// #playground gets `data-source` (the file's name, or "drawing") and `data-updates` (how many so far), and its
// `data-busy` is "1" while changes wait to be classified. `data-state` is "pixel" once the pixel models are loaded
// (from models.json: they answer at once), "ready" once the CNN is too (onnxruntime-web, 14 MB, loaded after them);
// `data-cnn` says how the CNN stands: "loading", "ready" or "failed".
import {greyPixels, shrink, toMnist} from './to_mnist.js';
import {argBest, distances, importOrt, loadCnn, loadInfo} from './models.js';

const $ = id => document.getElementById(id);
const root = $('playground'), pad = $('draw'), status = $('pg-status');
const ctx = pad.getContext('2d', {willReadFrequently: true});
const INK = 20;  // stroke width on the 280x280 square: about MNIST's 2 pixels once the digit is fitted in 20x20

// ---- what the models say, as bars ----
const MODELS = {  // data-model: how to read its numbers
  cnn: {what: 'probability', best: -1},
  pixel: {what: 'L1 distance', best: 1},
  'pixel-l2': {what: 'L2 distance', best: 1},
  'pixel-3-7': {what: 'L1 distance', best: 1},
};
const cards = Object.fromEntries(Object.keys(MODELS).map(m => [m, root.querySelector(`[data-model="${m}"]`)]));

/** One row per digit in the card of `model`: the digit, a bar, the number */
function makeBars(model, digits) {
  const bars = cards[model].querySelector('.pg-bars');
  bars.replaceChildren(...digits.map(d => {
    const row = document.createElement('div');
    row.className = 'pg-bar';
    row.dataset.d = d;
    row.innerHTML = `<span class="pg-digit">${d}</span><span class="pg-track"><span class="pg-fill"></span></span><span class="pg-value"></span>`;
    return row;
  }));
}

/** Show the numbers `values` (one per digit, or null: nothing to classify) in the card of `model`; returns the winner */
function showAnswer(model, digits, values) {
  const card = cards[model], {what, best} = MODELS[model];
  const win = values ? argBest(values, best) : -1;
  const top = model === 'cnn' ? 1 : values ? Math.max(...values) : 1;  // probabilities as they are, distances to the largest
  card.querySelectorAll('.pg-bar').forEach((row, i) => {
    row.classList.toggle('pg-win', i === win);
    row.querySelector('.pg-fill').style.width = values ? `${100*values[i]/top}%` : '0';
    row.querySelector('.pg-value').textContent = values ? values[i].toFixed(3) : '';
  });
  card.querySelector('.pg-answer').textContent = values ? `${digits[win]} (${what} ${values[win].toFixed(3)})` : '–';
  card.dataset.digit = values ? digits[win] : '';
  return win;
}

// ---- 28x28 images, drawn large ----
/** Paint the 28x28 image `x` on `canvas`, each pixel's value through `colour` (value => [r, g, b]); blank when `x` is null */
function paint(canvas, x, colour) {
  const c = canvas.getContext('2d', {willReadFrequently: true}), img = c.createImageData(28, 28);  // read back by tests
  for (let i = 0; i < 784; i++) {
    const [r, g, b] = x ? colour(x[i]) : [255, 255, 255];
    img.data.set([r, g, b, 255], 4*i);
  }
  c.putImageData(img, 0, 0);
}
const greys = v => { const g = Math.round(255*(1 - v)); return [g, g, g]; };  // dark ink on white: 1 black, 0 white
const RDBU = [[5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247],
              [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31]];  // matplotlib's RdBu_r
const redBlue = v => {  // v in [-1, 1]: blue below 0, red above
  const t = (Math.min(Math.max(v, -1), 1) + 1)/2*(RDBU.length - 1), i = Math.min(Math.floor(t), RDBU.length - 2), f = t - i;
  return RDBU[i].map((c, k) => Math.round(c + f*(RDBU[i + 1][k] - c)));
};

// ---- the drawing square ----
function clearPad() { ctx.fillStyle = 'white'; ctx.fillRect(0, 0, pad.width, pad.height); }
function stroke([x0, y0], [x1, y1]) {
  Object.assign(ctx, {strokeStyle: 'black', lineWidth: INK, lineCap: 'round', lineJoin: 'round'});
  ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
}
const at = e => {  // the pointer's position in the canvas's own pixels, whatever size it is shown at
  const r = pad.getBoundingClientRect();
  return [(e.clientX - r.left)*pad.width/r.width, (e.clientY - r.top)*pad.height/r.height];
};
let last = null, photo = null, source = 'drawing';  // photo: the grey pixels of the chosen photo, until the reader draws on it
pad.addEventListener('pointerdown', e => {
  e.preventDefault();
  pad.setPointerCapture(e.pointerId);
  last = at(e);
  stroke(last, last);
  [photo, source] = [null, 'drawing'];
  update();
});
pad.addEventListener('pointermove', e => {
  if (!last) return;
  for (const ev of e.getCoalescedEvents?.() ?? [e]) { const p = at(ev); stroke(last, p); last = p; }
  update();
});
for (const type of ['pointerup', 'pointercancel']) pad.addEventListener(type, () => { last = null; });

$('clear').addEventListener('click', () => {
  clearPad();
  [photo, source] = [null, 'drawing'];
  $('photo').value = '';
  update();
});

$('photo').addEventListener('change', async () => {
  const file = $('photo').files[0];
  if (!file) return;
  let bitmap;
  try { bitmap = await createImageBitmap(file, {colorSpaceConversion: 'none', imageOrientation: 'from-image'}); }
  catch { status.textContent = `${file.name}: cannot be read as an image`; return; }
  const {width: w, height: h} = bitmap, canvas = new OffscreenCanvas(w, h), c = canvas.getContext('2d');
  c.fillStyle = 'white'; c.fillRect(0, 0, w, h);  // transparent parts as white paper, as grey_pixels does
  c.drawImage(bitmap, 0, 0);
  const small = shrink(c.getImageData(0, 0, w, h).data, w, h);  // a big photo reduced first, as `to_mnist` does
  photo = greyPixels(small.rgba, small.w, small.h);
  clearPad();  // show it in the square, whole: drawing over it then classifies what the square shows
  const s = Math.min(pad.width/w, pad.height/h);
  ctx.drawImage(bitmap, (pad.width - w*s)/2, (pad.height - h*s)/2, w*s, h*s);
  source = file.name;
  update();
});

// ---- classify ----
const base = new URL('models/', import.meta.url);
let cnnModel = null;  // the CNN's function, once onnxruntime-web and its weights are loaded
const ortModule = importOrt();  // onnxruntime-web's script, fetched meanwhile: nothing waits for it but the CNN
ortModule.catch(() => {});      // (its failure is the CNN's, reported there)
const ready = loadInfo(base).then(info => {
  const {pixel, pixel_sample: sample, cnn} = info;
  makeBars('cnn', cnn.digits); makeBars('pixel', pixel.digits); makeBars('pixel-l2', pixel.digits); makeBars('pixel-3-7', sample.digits);
  const pct = a => `${(100*a).toFixed(1)}%`;
  root.querySelector('[data-accuracy="cnn"]').textContent = pct(cnn.accuracy);
  root.querySelector('[data-accuracy="pixel"]').textContent = pct(pixel.accuracy.l1);
  root.querySelector('[data-accuracy="pixel-l2"]').textContent = pct(pixel.accuracy.l2);
  root.querySelector('[data-accuracy="pixel-3-7"]').textContent = pct(sample.accuracy);
  status.textContent = 'Draw a digit in the square, or choose a photo of one.';
  Object.assign(root.dataset, {state: 'pixel', cnn: 'loading', pixelMs: Math.round(performance.now())});
  loadCnn(base, info, ortModule).then(f => {  // the CNN joins in when it is loaded: the current picture is classified again
    cnnModel = f;
    Object.assign(root.dataset, {state: 'ready', cnn: 'ready', readyMs: Math.round(performance.now())});  // since the page was asked for
    update();
  }).catch(e => {
    root.dataset.cnn = 'failed';
    cards.cnn.querySelector('.pg-answer').textContent = 'not loaded';
    console.warn(`The CNN could not be loaded: ${e.message}`);
  });
  return info;
}).catch(e => {
  status.textContent = `The models could not be loaded: ${e.message}`;
  root.dataset.state = 'failed';
  throw e;
});

async function classify() {
  const info = await ready, {pixel, pixel_sample: sample, cnn} = info;
  const name = source;
  let x = null;
  try { x = toMnist(photo ?? greyPixels(ctx.getImageData(0, 0, pad.width, pad.height).data, pad.width, pad.height)); }
  catch (e) { if (!e.message.startsWith('no ink')) throw e; }  // a blank square: nothing to classify
  const probs = x && cnnModel && await cnnModel(x);
  paint($('mnist-input'), x, greys);
  showAnswer('cnn', cnn.digits, probs || null);
  if (x && !cnnModel) cards.cnn.querySelector('.pg-answer').textContent = root.dataset.cnn === 'failed' ? 'not loaded' : 'loading…';
  const l1 = x && distances(x, pixel.means, 'l1'), near = showAnswer('pixel', pixel.digits, l1);
  showAnswer('pixel-l2', pixel.digits, x && distances(x, pixel.means, 'l2'));
  showAnswer('pixel-3-7', sample.digits, x && distances(x, sample.means, 'l1'));
  const ideal = x && pixel.means[near];
  paint($('ideal'), ideal, greys);
  paint($('difference'), x && x.map((v, i) => v - ideal[i]), redBlue);
  $('ideal-digit').textContent = x ? pixel.digits[near] : '–';
  const a = m => { const d = cards[m].dataset.digit; return `${d === '8' ? 'an' : 'a'} ${d}`; };
  const cnnSays = cnnModel ? `The CNN reads ${a('cnn')}; p` : 'P';
  status.textContent = x ? `${cnnSays}ixel similarity, ${a('pixel')} (L1) and ${a('pixel-l2')} (L2); `
                           + `chapter 2's ideal 3 and 7, ${a('pixel-3-7')}.` : 'Draw a digit in the square, or choose a photo of one.';
  Object.assign(root.dataset, {source: name, updates: Number(root.dataset.updates ?? 0) + 1});
}

let busy = false, again = false;
/** Classify what the square (or the photo) shows now: one update at a time, the latest change last */
async function update() {
  if (busy) { again = true; return; }
  busy = true;
  root.dataset.busy = '1';
  try {
    do { again = false; await classify(); } while (again);
  } catch (e) {
    status.textContent = `Something went wrong: ${e.message}`;
    console.error(e);
  } finally { busy = false; root.dataset.busy = ''; }
}

clearPad();
update();
