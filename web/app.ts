/**
 * @module The demo page (public/index.html): two photos to /v1/verify with crops=true, the answer
 * drawn on the page, and the adversarial examples verified live with and without PIN. Built by
 * `npm run build:web` into public/app.js. Talks to its own origin only.
 */

interface Box { x: number; y: number; width: number; height: number }
interface Face { box: Box; landmarks: Array<[number, number]>; image: { width: number; height: number }; crops?: { size: number; aligned: string; projected: string } }
interface VerifyResponse {
  match: boolean; similarity: number; threshold: number;
  faces: { source: Face; target: Face };
  defense: { mode: string; components: number; componentsKept: Record<string, number>; seed: number | null };
  timings: { source: Record<string, number>; target: Record<string, number>; decide: number; total: number };
}
interface Problem { title?: string; detail?: string; code?: string }
interface Example { id: string; kind: 'dodging' | 'impersonation'; same: boolean; eps: number; seed: number }
type Slot = 'source' | 'target';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
};

const files: Partial<Record<Slot, Blob>> = {};
/** Photo pixels to canvas pixels, per slot, for drawing the face box and landmarks. */
const scales: Partial<Record<Slot, number>> = {};

async function showPhoto(slot: Slot, blob: Blob): Promise<void> {
  const bitmap = await createImageBitmap(blob); // applies EXIF orientation, as the API does
  const canvas = $<HTMLCanvasElement>(`${slot}-canvas`);
  const scale = Math.min(1, 480 / bitmap.width, 360 / bitmap.height);
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  files[slot] = blob;
  scales[slot] = scale;
  canvas.closest('.drop')?.classList.add('has-image');
}

function drawFace(slot: Slot, face: Face): void {
  const canvas = $<HTMLCanvasElement>(`${slot}-canvas`);
  const ctx = canvas.getContext('2d');
  const s = scales[slot] ?? 1;
  if (!ctx) return;
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#f9a825';
  ctx.strokeRect(face.box.x * s, face.box.y * s, face.box.width * s, face.box.height * s);
  ctx.fillStyle = '#00e5ff';
  for (const [x, y] of face.landmarks) {
    ctx.beginPath();
    ctx.arc(x * s, y * s, 3, 0, 2 * Math.PI);
    ctx.fill();
  }
}

function drawGray(canvasId: string, base64: string, size: number): void {
  const canvas = $<HTMLCanvasElement>(canvasId);
  const bin = atob(base64);
  const img = new ImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const v = bin.charCodeAt(i);
    img.data.set([v, v, v, 255], i * 4);
  }
  canvas.width = canvas.height = size;
  canvas.getContext('2d')?.putImageData(img, 0, 0);
}

const fmt = (x: number, d = 3) => x.toFixed(d);

function showError(message: string | null): void {
  const el = $('error');
  el.hidden = message === null;
  el.textContent = message ?? '';
}

async function verify(form: FormData): Promise<VerifyResponse> {
  const res = await fetch('/v1/verify', { method: 'POST', body: form });
  const body = (await res.json()) as VerifyResponse & Problem;
  if (!res.ok) throw new Error(`${body.title ?? `Error ${res.status}`}: ${body.detail ?? ''}`);
  return body;
}

function render(r: VerifyResponse): void {
  $('result').hidden = false;
  const decision = $('decision');
  decision.textContent = r.match ? 'Same person' : 'Not the same person';
  decision.className = `decision ${r.match ? 'match' : 'nomatch'}`;
  // Cosine similarity on a 0..1 bar (below 0 shows empty): the threshold is the black line.
  const pct = (v: number) => `${Math.max(0, Math.min(1, v)) * 100}%`;
  $('meter-fill').style.width = pct(r.similarity);
  $('meter-threshold').style.left = pct(r.threshold);
  $('meter').setAttribute('aria-label', `similarity ${fmt(r.similarity)} against threshold ${fmt(r.threshold)}`);
  $('similarity-text').textContent = `similarity ${fmt(r.similarity)}`;
  $('threshold-text').textContent = `· threshold ${fmt(r.threshold)} (${r.defense.mode})`;
  for (const slot of ['source', 'target'] as const) {
    const face = r.faces[slot];
    drawFace(slot, face);
    if (face.crops) {
      drawGray(`${slot}-aligned`, face.crops.aligned, face.crops.size);
      drawGray(`${slot}-projected`, face.crops.projected, face.crops.size);
    }
  }
  const kept = r.defense.componentsKept;
  $('components').textContent = r.defense.mode === 'none'
    ? 'No defense: the recognizer saw the aligned faces as they are.'
    : `Components kept: ${kept.source ?? '-'} and ${kept.target ?? '-'} of ${r.defense.components} eigenfaces${r.defense.seed === null ? '' : ` (mask seed ${r.defense.seed})`}.`;
  const body = $('timings-body');
  body.replaceChildren();
  for (const stage of ['decode', 'detect', 'landmarks', 'align', 'project', 'embed']) {
    const tr = document.createElement('tr');
    for (const cell of [stage, String(r.timings.source[stage] ?? '-'), String(r.timings.target[stage] ?? '-')]) {
      const td = document.createElement('td');
      td.textContent = cell;
      tr.append(td);
    }
    body.append(tr);
  }
  const total = document.createElement('tr');
  total.innerHTML = '<td>whole request</td><td colspan="2"></td>';
  (total.lastElementChild as HTMLElement).textContent = String(r.timings.total);
  body.append(total);
}

function wireSlot(slot: Slot): void {
  const input = $<HTMLInputElement>(`${slot}-file`);
  input.addEventListener('change', () => {
    const f = input.files?.[0];
    if (f) void showPhoto(slot, f).catch(() => showError('This file could not be shown; choose a JPEG, PNG or WebP photo.'));
  });
  const drop = document.querySelector<HTMLElement>(`[data-drop="${slot}"]`);
  if (!drop) return;
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) void showPhoto(slot, f).catch(() => showError('This file could not be shown; choose a JPEG, PNG or WebP photo.'));
  });
}

function wireCamera(): void {
  let stream: MediaStream | undefined;
  let target: Slot = 'source';
  const panel = $('camera'), video = $<HTMLVideoElement>('camera-video');
  const stop = () => { stream?.getTracks().forEach((t) => t.stop()); stream = undefined; panel.hidden = true; };
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-camera]')) {
    button.addEventListener('click', async () => {
      target = button.dataset.camera as Slot;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
        video.srcObject = stream;
        panel.hidden = false;
        $('camera-shoot').focus();
      } catch {
        showError('No camera is available, or access was refused. Choose a file instead.');
      }
    });
  }
  $('camera-shoot').addEventListener('click', () => {
    const c = document.createElement('canvas');
    c.width = video.videoWidth;
    c.height = video.videoHeight;
    c.getContext('2d')?.drawImage(video, 0, 0);
    c.toBlob((blob) => { if (blob) void showPhoto(target, blob); stop(); }, 'image/jpeg', 0.92);
  });
  $('camera-cancel').addEventListener('click', stop);
}

function wireForm(): void {
  const formEl = $<HTMLFormElement>('verify-form');
  const button = $<HTMLButtonElement>('verify-button');
  formEl.addEventListener('submit', async (e) => {
    e.preventDefault();
    showError(null);
    $('result').hidden = true; // an earlier answer must not stand next to a new error
    if (!files.source || !files.target) {
      showError('Choose two photos first.');
      return;
    }
    const form = new FormData();
    form.append('source', files.source, 'source');
    form.append('target', files.target, 'target');
    form.append('defense', (new FormData(formEl).get('defense') as string | null) ?? 'pin-threshold');
    form.append('crops', 'true');
    button.disabled = true;
    button.textContent = 'Verifying…';
    try {
      // Redraw the photos first so an earlier answer's boxes do not stay on them.
      for (const slot of ['source', 'target'] as const) await showPhoto(slot, files[slot] as Blob);
      render(await verify(form));
    } catch (err) {
      showError(err instanceof Error ? err.message : String(err));
    } finally {
      button.disabled = false;
      button.textContent = 'Verify';
    }
  });
}

const exampleImage = (id: string, part: string, alt: string): HTMLElement => {
  const fig = document.createElement('figure');
  const img = document.createElement('img');
  img.src = `/examples/${id}-${part}.png`;
  img.alt = alt;
  img.width = img.height = 112;
  const cap = document.createElement('figcaption');
  cap.textContent = alt;
  fig.append(img, cap);
  return fig;
};

async function runExample(ex: Example, list: HTMLUListElement): Promise<void> {
  const blob = async (part: string) => (await fetch(`/examples/${ex.id}-${part}.png`)).blob();
  const [clean, adversarial, partner] = await Promise.all([blob('clean'), blob('adversarial'), blob('partner')]);
  list.replaceChildren();
  const expected = ex.same ? 'same person' : 'different people';
  for (const [label, face] of [['clean', clean], ['adversarial', adversarial]] as const) {
    for (const defense of ['none', 'pin-threshold']) {
      const form = new FormData();
      form.append('source', face, `${label}.png`);
      form.append('target', partner, 'partner.png');
      form.append('aligned', 'true');
      form.append('defense', defense);
      form.append('seed', String(ex.seed));
      const li = document.createElement('li');
      try {
        const r = await verify(form);
        const right = r.match === ex.same;
        li.innerHTML = '<span></span> <span></span>';
        (li.firstElementChild as HTMLElement).textContent = `${label}, ${defense === 'none' ? 'no defense' : 'PIN'}: ${r.match ? 'same person' : 'not the same person'} (similarity ${fmt(r.similarity)}, threshold ${fmt(r.threshold)})`;
        const verdict = li.lastElementChild as HTMLElement;
        verdict.textContent = right ? '✓ right' : '✗ fooled';
        verdict.className = right ? 'verdict-ok' : 'verdict-bad';
      } catch (err) {
        li.textContent = `${label}, ${defense}: ${err instanceof Error ? err.message : String(err)}`;
      }
      list.append(li);
    }
  }
  list.setAttribute('aria-label', `Live answers; the right answer is: ${expected}`);
}

async function loadExamples(): Promise<void> {
  const note = $('examples-note'), box = $('examples');
  const res = await fetch('/examples/examples.json');
  if (!res.ok) {
    note.textContent = 'This build has no examples (they are made from LFW faces, which a deployment must not ship): run npm run examples locally.';
    return;
  }
  const { note: text, examples } = (await res.json()) as { note: string; examples: Example[] };
  note.textContent = text;
  for (const ex of examples) {
    const card = document.createElement('article');
    card.className = 'example';
    const h = document.createElement('h3');
    h.textContent = ex.kind === 'dodging' ? 'Dodging: the same person, made to look like someone else' : 'Impersonation: two people, made to look like one';
    const facesRow = document.createElement('div');
    facesRow.className = 'faces';
    facesRow.append(
      exampleImage(ex.id, 'clean', 'clean face'), exampleImage(ex.id, 'adversarial', `adversarial (eps ${ex.eps}/255)`),
      exampleImage(ex.id, 'perturbation', 'perturbation x10'), exampleImage(ex.id, 'partner', 'compared with'),
    );
    const list = document.createElement('ul');
    list.className = 'verdicts';
    const again = document.createElement('button');
    again.type = 'button';
    again.textContent = 'Verify again';
    again.addEventListener('click', () => void runExample(ex, list));
    card.append(h, facesRow, list, again);
    box.append(card);
    void runExample(ex, list);
  }
}

wireSlot('source');
wireSlot('target');
wireCamera();
wireForm();
void loadExamples();
