// The share card in headless Chromium kept warm, screenshot as JPEG q85: the fair peer of a Pillow
// card rendered from an already decoded hero. One page holds the layout and the photo, decoded
// once (as the hero is once per article in Pillow) and cover-cropped at the same focal point
// (object-position 50% 35%). Each timed card changes the headline and kicker (rotating, so every
// frame differs and must be laid out, painted and encoded anew) and takes a JPEG screenshot.
// Beside each card's wall time it reports the CPU that Chromium's processes spent per card over the
// timed run: what a card costs the machine, whichever of its processes did the work, and free of
// one card's scheduling luck.
// Usage: node chromium_card.mjs config.json ; prints one JSON line.
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdtempSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const dir = mkdtempSync(join(tmpdir(), "newscard-chromium-"));
copyFileSync(config.photo, join(dir, "photo.jpg"));
const html = `<!doctype html><html><head><meta charset="utf-8"><style>
@font-face{font-family:"Noto Sans";font-weight:700;src:url("file://${config.font_bold}")}
@font-face{font-family:"Noto Sans";font-weight:400;src:url("file://${config.font_regular}")}
html,body{margin:0;width:1200px;height:630px;overflow:hidden;font-family:"Noto Sans"}
img{position:absolute;inset:0;width:1200px;height:630px;object-fit:cover;object-position:50% 35%}
.scrim{position:absolute;inset:0;background:linear-gradient(to bottom,rgba(0,0,0,0) 28%,rgba(0,0,0,.85) 100%)}
.text{position:absolute;left:56px;right:56px;bottom:56px;color:#fff}
.kicker{display:inline-block;background:#d6002a;font-weight:700;font-size:26px;padding:4px 13px}
h1{font-size:${config.headline_size}px;line-height:1.18;margin:22px 0 0;font-weight:700}
.site{font-size:26px;margin-top:22px}
</style></head><body><img id="photo" src="photo.jpg"><div class="scrim"></div><div class="text">
<div class="kicker" id="kicker"></div><h1 id="headline"></h1><div class="site">${config.site}</div></div></body></html>`;
writeFileSync(join(dir, "card.html"), html);

const browser = await chromium.launch({
  executablePath: config.chromium,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--allow-file-access-from-files",
         "--disable-renderer-backgrounding", "--disable-background-timer-throttling"],
});
// User and system CPU (ms) of every process below this one (the browser, its renderer, GPU and
// utility processes; not this driver), from /proc, whose counters are USER_HZ ticks, 100 a second
// on Linux. A process that exits between two readings loses its ticks; a warm page keeps its
// renderer and GPU processes alive, so the timed cards lose none. Null where there is no /proc
// (macOS): the bench then shows wall times alone.
function browserCpuMs() {
  if (!existsSync("/proc/self/stat")) return null;
  const stats = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // the process ended while we listed
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // after the command name
    stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
  }
  let ticks = 0;
  for (const [pid, stat] of stats) {
    for (let at = stat.ppid; at > 1 && stats.has(at); at = stats.get(at).ppid) {
      if (at === process.pid) {
        ticks += stat.ticks;
        break;
      }
    }
  }
  return ticks * 10;
}
const page = await browser.newPage({ viewport: { width: 1200, height: 630 } });
await page.goto(`file://${join(dir, "card.html")}`, { waitUntil: "load" });
// The photo decoded and the fonts loaded before any timed card, as the warm Pillow process has them.
await page.evaluate(async () => {
  await document.getElementById("photo").decode();
  await document.fonts.ready;
});
// The same headline with a rotating suffix, so each card is a new layout of the same length.
const variants = ["", " Now", " Again", " Today"];
async function render(n) {
  const variant = variants[n % variants.length];
  await page.evaluate(
    ([headline, kicker]) => {
      document.getElementById("headline").textContent = headline;
      document.getElementById("kicker").textContent = kicker;
    },
    [config.headline + variant, config.kicker],
  );
  return page.screenshot({ type: "jpeg", quality: 85 });
}
let n = 0;
for (let i = 0; i < config.warmup; i++) await render(n++);
const times = [];
let bytes = 0;
const cpuStart = browserCpuMs();
for (let i = 0; i < config.n; i++) {
  const start = performance.now();
  const jpeg = await render(n++);
  times.push(performance.now() - start);
  bytes = jpeg.length;
  if (i === 0 && config.out) writeFileSync(config.out, jpeg);
}
const cpuPerCard = cpuStart === null ? null : (browserCpuMs() - cpuStart) / config.n;
await browser.close();
console.log(JSON.stringify({ engine: "chromium-warm", format: "jpeg", ms: times, bytes, cpu_ms_per_card: cpuPerCard }));
