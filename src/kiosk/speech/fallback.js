// The offline voice for tablets whose browser has no voice of its own: eSpeak NG compiled to
// WebAssembly (npm `espeak-ng`, GPL-3.0-or-later, served from /speech/ beside its LICENSE).
// Its 18 MB are fetched at the first utterance that needs them and compiled once; each
// utterance is then a run of the espeak-ng command line writing a WAV file into its own
// in-memory file system, played through Web Audio (no media URL for the page's
// Content-Security-Policy to allow). Utterances are made one at a time and played in order,
// the next one made while the one before plays.

const GLUE = "/speech/espeak-ng.js";
const WASM = "/speech/espeak-ng.wasm";
const WAV = "/utterance.wav";

let loading = null;
let loaded = false;
let context = null;
// Bumped by stop(): what was asked for before it is neither made nor played.
let generation = 0;
let made = Promise.resolve();
let played = Promise.resolve();
const sounding = new Map();

/// Fetches and compiles the voice, once; resolves to whether it can be used. A failed
/// load (offline, not installed) is tried again at the next call.
export function load() {
  if (!loading) {
    loading = Promise.all([
      import(GLUE),
      fetch(WASM).then((response) => {
        if (!response.ok) throw new Error(`${WASM}: ${response.status}`);
        return WebAssembly.compileStreaming(response);
      }),
    ]).then(([glue, wasm]) => {
      loaded = true;
      return { factory: glue.default, wasm };
    });
    loading.catch(() => {
      loading = null;
    });
  }
  return loading.then(
    () => true,
    () => false,
  );
}

/// Whether the voice has loaded and can speak now.
export function isLoaded() {
  return loaded;
}

/// One utterance as WAV bytes: espeak-ng run once, on an instance of the compiled module.
async function synthesize(text, voice, wordsPerMinute) {
  const { factory, wasm } = await loading;
  const espeak = await factory({
    arguments: ["-v", voice, "-s", String(wordsPerMinute), "-w", WAV, "--", text],
    instantiateWasm(imports, done) {
      WebAssembly.instantiate(wasm, imports).then((instance) => done(instance));
      return {};
    },
    print() {},
    printErr() {},
  });
  return espeak.FS.readFile(WAV);
}

/// Resolves when the browser's own voice is silent: on a tablet with a voice for one language
/// only, Welcome's offer is said by both voices, one after the other. The browser says nothing
/// of when that queue empties, hence the polling.
async function browserVoiceSilent() {
  const synth = window.speechSynthesis;
  while (synth && (synth.speaking || synth.pending)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function play(wav, volume, turn) {
  const audio = await new Promise((resolve, reject) =>
    context.decodeAudioData(wav.buffer.slice(wav.byteOffset, wav.byteOffset + wav.byteLength), resolve, reject),
  );
  await browserVoiceSilent();
  if (turn !== generation) return;
  const source = context.createBufferSource();
  source.buffer = audio;
  const gain = context.createGain();
  gain.gain.value = volume;
  source.connect(gain).connect(context.destination);
  // Ended by its end, or by stop() at once (a suspended context would never say "ended").
  const ended = new Promise((resolve) => {
    source.addEventListener("ended", resolve);
    sounding.set(source, resolve);
  });
  source.start();
  await ended;
  sounding.delete(source);
}

/// Queues `text` behind what is already queued, in the espeak-ng `voice`, at `wordsPerMinute`,
/// `volume` 0–1. Loads the voice first if it has not been.
export function speak(text, voice, wordsPerMinute, volume) {
  // Made in the patient's key press: a browser lets audio start from there.
  if (!context) context = new AudioContext();
  if (context.state === "suspended") context.resume();
  const turn = generation;
  const ready = load();
  const wav = (made = made
    .then(() => ready)
    .then((ok) => (ok && turn === generation ? synthesize(text, voice, wordsPerMinute) : null))
    .catch(() => null));
  played = played
    .then(() => wav)
    .then((bytes) => (bytes && turn === generation ? play(bytes, volume, turn) : null))
    .catch(() => {});
}

/// Silence now: what sounds stops, what is queued is dropped.
export function stop() {
  generation += 1;
  for (const [source, ended] of sounding) {
    try {
      source.stop();
    } catch {
      // Not started yet: it never will be.
    }
    ended();
  }
  sounding.clear();
}
